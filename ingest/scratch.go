package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// scratchDir makes a temporary folder named for this process
// (relais-KIND-PID-*), after removing the ones that processes no longer
// running left behind: a process killed with SIGKILL runs no deferred
// removal, and an expanded workbook or archive can be gigabytes
// (docs/limits.md).
func scratchDir(kind string) (string, error) {
	removeOrphanScratch(os.TempDir(), kind)
	return os.MkdirTemp("", fmt.Sprintf("relais-%s-%d-", kind, os.Getpid()))
}

// removeOrphanScratch removes dir's relais-KIND-PID-* folders whose
// process is gone. A folder it cannot tell about is left alone.
func removeOrphanScratch(dir, kind string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "relais-" + kind + "-"
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// processAlive says whether a process with this id runs (one of another
// user answers EPERM: it runs).
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
