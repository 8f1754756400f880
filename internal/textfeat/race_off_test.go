//go:build !race

package textfeat_test

const raceEnabled = false
