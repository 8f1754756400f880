//go:build race

package textfeat_test

// raceEnabled: the race detector makes TestIdentity take minutes.
const raceEnabled = true
