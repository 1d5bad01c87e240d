package ingest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestScratchFoldersOfDeadProcessesAreRemovedAndLiveOnesKept(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// A process that has ended: its id names a folder nobody uses.
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Skip("no `true` to run:", err)
	}
	dead := filepath.Join(tmp, "relais-xlsx-"+strconv.Itoa(ended.Process.Pid)+"-123")
	live := filepath.Join(tmp, "relais-xlsx-"+strconv.Itoa(os.Getppid())+"-456")
	other := filepath.Join(tmp, "relais-zip-"+strconv.Itoa(ended.Process.Pid)+"-789")
	for _, d := range []string{dead, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := scratchDir("xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(mine) != tmp {
		t.Fatalf("scratch folder %s is not under TMPDIR", mine)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the folder of an ended process is still there (%v)", err)
	}
	for _, d := range []string{live, other, mine} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(d), err)
		}
	}
}
