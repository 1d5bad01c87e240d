//go:build !race

package ingest

// raceDetector is true under -race (race_on_test.go).
const raceDetector = false
