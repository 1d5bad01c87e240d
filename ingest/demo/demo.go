// Package demo writes a realistic set of idea-platform exports for a
// fictional French group (issue 2, point 4): sites named after French
// cities, people with ambassadors at about one per 50-150 people, French
// idea titles, votes, comments, participation, challenges, surveys and the
// committee's changelog, in the mixed forms real exports come in (canonical
// CSV, a French `;` Windows-1252 CSV, an XLSX), plus the relais.yaml that
// goes with them. The same Options always write the same bytes.
package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Scales of the demo.
const (
	ScaleSmall  = "small"
	ScaleMedium = "medium"
	ScaleLarge  = "large"
	ScaleXLarge = "xlarge"
)

// Scales lists the accepted scale names.
func Scales() []string { return []string{ScaleSmall, ScaleMedium, ScaleLarge, ScaleXLarge} }

// ErrScale is returned for a scale that is not one of Scales().
var ErrScale = errors.New("unknown scale (want small, medium, large or xlarge)")

// Options say what to write.
type Options struct {
	// Dir is the folder written to (created when missing).
	Dir string
	// Scale is small (default when empty), medium, large or xlarge.
	Scale string
	// Seed makes the data; the same seed and AsOf write the same bytes.
	Seed int64
	// AsOf is the as-of date D (its year, month and day are used): the
	// program started on D-74 and nothing is dated after D.
	AsOf time.Time
	// Location is the time zone of the exports (default Europe/Paris).
	Location *time.Location
}

// FileSummary describes one written export.
type FileSummary struct {
	// Name is the file name inside Dir.
	Name string
	// Dataset is the canonical dataset the file holds (inferable from Name).
	Dataset string
	// Rows is the number of data rows written (header excluded).
	Rows int64
	// Bytes is the size of the file.
	Bytes int64
}

// Summary lists what Write wrote.
type Summary struct {
	// Files are the exports, in the order written (sites first).
	Files []FileSummary
	// Config is the name of the relais.yaml written beside them.
	Config string
	// ProgramStart is program.start of that configuration (D-74).
	ProgramStart time.Time
}

// scaleSpec sizes a scale. Votes, comments and activity are targets that the
// generated counts approach (recent ideas have had less time to collect
// votes, struggling sites fall short).
type scaleSpec struct {
	sites, people, ideas                 int
	votes, comments, activity            int
	challenges, coreTeam, sponsors       int
	excellent, noAmbassador, drop, slowS int
}

func scaleFor(name string) (scaleSpec, error) {
	switch name {
	case ScaleSmall, "":
		return scaleSpec{sites: 12, people: 3000, ideas: 1200, votes: 12000, comments: 4000, activity: 100_000,
			challenges: 8, coreTeam: 6, sponsors: 1, excellent: 2, noAmbassador: 1, drop: 1, slowS: 1}, nil
	case ScaleMedium:
		return scaleSpec{sites: 60, people: 30_000, ideas: 12_000, votes: 120_000, comments: 40_000, activity: 1_000_000,
			challenges: 20, coreTeam: 15, sponsors: 2, excellent: 9, noAmbassador: 4, drop: 4, slowS: 4}, nil
	case ScaleLarge:
		return scaleSpec{sites: 300, people: 200_000, ideas: 300_000, votes: 3_000_000, comments: 1_000_000, activity: 20_000_000,
			challenges: 60, coreTeam: 40, sponsors: 2, excellent: 45, noAmbassador: 20, drop: 20, slowS: 20}, nil
	case ScaleXLarge: // five times large: what the load path must still hold under 1 GiB
		return scaleSpec{sites: 1500, people: 1_000_000, ideas: 1_500_000, votes: 15_000_000, comments: 5_000_000, activity: 100_000_000,
			challenges: 120, coreTeam: 100, sponsors: 3, excellent: 225, noAmbassador: 100, drop: 100, slowS: 100}, nil
	}
	return scaleSpec{}, fmt.Errorf("demo: scale %q: %w", name, ErrScale)
}

// Write writes the demo exports and relais.yaml into opts.Dir. Each file is
// written under a temporary name and renamed when complete, so a folder
// watched by `relais serve --inbox` never sees half a file.
func Write(ctx context.Context, opts Options) (Summary, error) {
	spec, err := scaleFor(opts.Scale)
	if err != nil {
		return Summary{}, err
	}
	if opts.Dir == "" {
		return Summary{}, errors.New("demo: no output folder")
	}
	if opts.AsOf.IsZero() {
		return Summary{}, errors.New("demo: no as-of date")
	}
	loc := opts.Location
	if loc == nil {
		if loc, err = time.LoadLocation("Europe/Paris"); err != nil {
			return Summary{}, fmt.Errorf("demo: load Europe/Paris: %w", err)
		}
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("demo: create %s: %w", opts.Dir, err)
	}
	w := newWorld(spec, opts.Seed, opts.AsOf, loc)
	w.build()

	writers := []struct {
		name, dataset string
		write         func(ctx context.Context, f *os.File) (int64, error)
	}{
		{"sites.csv", "sites", w.writeSites},
		{"people.csv", "people", w.writePeople},
		{"challenges.csv", "challenges", w.writeChallenges},
		{"idees.csv", "ideas", w.writeIdeas},
		{"decisions.csv", "decisions", w.writeDecisions},
		{"votes.csv", "votes", w.writeVotes},
		{"comments.csv", "comments", w.writeComments},
		{"activity.csv", "activity", w.writeActivity},
		{"enquetes.xlsx", "surveys", w.writeSurveys},
	}
	sum := Summary{Config: "relais.yaml", ProgramStart: w.clock.date(dayStart)}
	for _, wr := range writers {
		rows, size, err := writeFile(ctx, opts.Dir, wr.name, wr.write)
		if err != nil {
			return sum, err
		}
		sum.Files = append(sum.Files, FileSummary{Name: wr.name, Dataset: wr.dataset, Rows: rows, Bytes: size})
	}
	if _, _, err := writeFile(ctx, opts.Dir, sum.Config, w.writeConfig); err != nil {
		return sum, err
	}
	return sum, nil
}

// writeFile writes name in dir through a temporary file renamed at the end.
func writeFile(ctx context.Context, dir, name string, write func(ctx context.Context, f *os.File) (int64, error)) (rows, size int64, err error) {
	final := filepath.Join(dir, name)
	tmp := filepath.Join(dir, "."+name+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return 0, 0, fmt.Errorf("demo: create %s: %w", tmp, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if rows, err = write(ctx, f); err != nil {
		return 0, 0, fmt.Errorf("demo: write %s: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("demo: stat %s: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return 0, 0, fmt.Errorf("demo: close %s: %w", name, err)
	}
	if err = os.Rename(tmp, final); err != nil {
		return 0, 0, fmt.Errorf("demo: rename %s: %w", name, err)
	}
	return rows, st.Size(), nil
}
