// Package e2e holds the whole-system reliability and security suites: the
// real binary (`undertone run`) against real Kafka and ClickHouse, killed,
// restarted and starved, with exact checks afterwards. The tests carry the
// integration build tag; see docs/reliability.md.
package e2e
