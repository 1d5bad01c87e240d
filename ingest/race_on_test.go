//go:build race

package ingest

// raceDetector is true under -race, whose shadow memory multiplies a
// process's resident memory: memory bounds are not checked then.
const raceDetector = true
