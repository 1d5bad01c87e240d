package ingest

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"relais/queries"
)

// maxZipMembers bounds the members of an archive (each is a transaction).
const maxZipMembers = 10000

// ErrZipRefused is wrapped by the error of an archive refused as a whole
// (a path in a member name, a member expanding past the limit).
var ErrZipRefused = errors.New("archive refused")

// memberExts are the member types an archive may hold.
var memberExts = map[string]bool{".csv": true, ".xlsx": true, ".xlsm": true, ".parquet": true}

// LoadPath loads the file at path with LoadFile, or, for a zip archive,
// each CSV, XLSX and Parquet member in its own transaction, as if given one
// by one, in dataset order (sites, people, challenges, ideas, then the
// rest; docs/mappings.md, "Zip archives"). each receives every file's
// Result and error (a member it does not recognize comes with Skipped set
// and no error); LoadPath stops when each returns an error, and returns it.
func LoadPath(ctx context.Context, db *queries.DB, path string, opts Options, each func(Result, error) error) error {
	return forEachFile(ctx, path, opts, func(p string, o Options, skipped Result) error {
		if skipped.Skipped != "" || skipped.Refused != nil {
			return each(skipped, skippedErr(skipped))
		}
		return each(LoadFile(ctx, db, p, o))
	})
}

// DryRunPath is DryRun for a file or each member of a zip archive.
func DryRunPath(ctx context.Context, path string, opts Options, each func(Report, error) error) error {
	return forEachFile(ctx, path, opts, func(p string, o Options, skipped Result) error {
		if skipped.Skipped != "" || skipped.Refused != nil {
			return each(Report{Result: skipped}, skippedErr(skipped))
		}
		return each(DryRun(ctx, p, o))
	})
}

func skippedErr(r Result) error {
	if r.Refused != nil {
		return fmt.Errorf("%s: %w: %w", r.File, ErrRefused, r.Refused)
	}
	return nil
}

// IsZip says whether the file is a zip archive by its name.
func IsZip(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".zip")
}

// forEachFile calls fn with the file itself, or with each member of a zip
// archive extracted to a temporary file relais names itself. A member it
// does not recognize, or a refused archive, is passed as skipped.
func forEachFile(ctx context.Context, p string, opts Options, fn func(path string, o Options, skipped Result) error) error {
	name := opts.Name
	if name == "" {
		name = filepath.Base(p)
	}
	if !IsZip(p) {
		return fn(p, opts, Result{})
	}
	dir, err := scratchDir("zip")
	if err != nil {
		return fn("", opts, Result{File: name, Refused: err})
	}
	defer os.RemoveAll(dir)
	members, err := extractArchive(ctx, p, dir, opts)
	if err != nil {
		return fn("", opts, Result{File: name, Refused: err})
	}
	for _, m := range members {
		o := opts
		o.Name = name + "/" + m.name
		if m.skipped != "" {
			if err := fn("", o, Result{File: o.Name, Skipped: m.skipped}); err != nil {
				return err
			}
			continue
		}
		if o.Dataset == "" && o.Mapping == "" && mappingForFile(m.name) == "" {
			o.Dataset = m.dataset
		}
		o.RejectsPath = p + "." + safeFileName(path.Base(m.name)) + ".rejects.csv"
		if err := fn(m.tmp, o, Result{}); err != nil {
			return err
		}
	}
	return nil
}

// zipMember is one member of an archive: its name in the archive, the
// temporary file it was extracted to, its dataset, or why it is skipped.
type zipMember struct {
	name, tmp, dataset, skipped string
	rank                        int
}

// extractArchive checks every member name, extracts the members of a known
// type into dir under names of its own, bounded by the expansion limit,
// and returns them in dataset order (unrecognized ones last).
func extractArchive(ctx context.Context, archive, dir string, opts Options) ([]zipMember, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return nil, fmt.Errorf("%w: not a readable zip archive: %w", ErrZipRefused, err)
	}
	defer zr.Close()
	limit := opts.Limits.withDefaults().ZipBytes
	if len(zr.File) > maxZipMembers {
		return nil, fmt.Errorf("%w: it has %d members, more than %d", ErrZipRefused, len(zr.File), maxZipMembers)
	}
	var declared uint64
	for _, f := range zr.File {
		if err := checkMemberName(f.Name); err != nil {
			return nil, err
		}
		if memberExts[strings.ToLower(path.Ext(f.Name))] {
			declared += f.UncompressedSize64
		}
	}
	if declared > uint64(limit) {
		return nil, fmt.Errorf("%w: its members expand to %s, past the limit of %s (limits.zip_bytes in relais.yaml)", ErrZipRefused, FormatBytes(int64(min(declared, 1<<62))), FormatBytes(limit))
	}
	var members []zipMember
	remaining := limit
	for i, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		m := zipMember{name: strings.ReplaceAll(f.Name, `\`, "/"), rank: 1 << 20}
		ext := strings.ToLower(path.Ext(m.name))
		switch {
		case !memberExts[ext] || strings.HasSuffix(strings.ToLower(m.name), ".rejects.csv"):
			m.skipped = "not a CSV, XLSX or Parquet file"
		case !f.Mode().IsRegular():
			m.skipped = "not a regular file"
		default:
			m.tmp = filepath.Join(dir, fmt.Sprintf("member-%d%s", i, ext))
			n, err := extractMember(f, m.tmp, remaining)
			if err != nil {
				return nil, fmt.Errorf("%w: member %s: %w", ErrZipRefused, m.name, err)
			}
			remaining -= n
			m.dataset, m.skipped = memberDataset(ctx, m.tmp, m.name, opts)
			if ds, ok := queries.LookupDataset(m.dataset); ok {
				m.rank = datasetRank(ds.Name)
			}
		}
		members = append(members, m)
	}
	sort.SliceStable(members, func(a, b int) bool {
		if members[a].rank != members[b].rank {
			return members[a].rank < members[b].rank
		}
		return members[a].name < members[b].name
	})
	return members, nil
}

// checkMemberName refuses a member name that is a path leaving the
// archive: absolute, with a drive letter, or with a ".." element.
func checkMemberName(name string) error {
	n := strings.ReplaceAll(name, `\`, "/")
	bad := strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':'
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("%w: the member %q is a path out of the archive (absolute or with ..); nothing was loaded", ErrZipRefused, name)
	}
	return nil
}

// extractMember copies a member to dst, refusing it past max bytes: the
// bytes actually read count, not the size the archive declares.
func extractMember(f *zip.File, dst string, max int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, max+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, zip.ErrFormat) {
		return n, fmt.Errorf("it expands to more than the archive declares (%d bytes), or its checksum is wrong: a forged or damaged archive, nothing was loaded", f.UncompressedSize64)
	}
	if err != nil {
		return n, err
	}
	if n > max {
		return n, fmt.Errorf("expands past the limit of the archive (limits.zip_bytes in relais.yaml): refused as a zip bomb, nothing was loaded")
	}
	return n, nil
}

// memberDataset is the dataset of an extracted member: the one given, the
// mapping's, the member's base name's, or its header's; else it is skipped.
func memberDataset(ctx context.Context, tmp, name string, opts Options) (dataset, skipped string) {
	if opts.Dataset != "" {
		if ds, ok := LookupDatasetName(opts.Dataset); ok {
			return ds.Name, ""
		}
	}
	mapping := opts.Mapping
	if mapping == "" {
		mapping = mappingForFile(name)
	}
	if mapping != "" {
		if m, err := LoadMapping(mapping); err == nil {
			return m.Dataset, ""
		}
	}
	if n, ok := datasetFromFileName(path.Base(name)); ok {
		return n, ""
	}
	header, err := peekHeader(ctx, tmp, opts.Sheet, opts.Limits.withDefaults())
	if err == nil {
		if n, ok := datasetFromHeader(header); ok {
			return n, ""
		}
	}
	return "", "cannot tell which dataset it holds (put the dataset's name in the member's name)"
}

// peekHeader reads the header of a CSV, XLSX or Parquet file.
func peekHeader(ctx context.Context, p, sheet string, lim Limits) ([]string, error) {
	var src source
	var err error
	switch strings.ToLower(filepath.Ext(p)) {
	case ".parquet":
		src, err = openParquet(ctx, nil, []string{p})
	case ".xlsx", ".xlsm":
		src, err = openXLSX(p, sheet, lim)
	default:
		src, err = openCSV(p, false, lim, nil)
	}
	if err != nil {
		return nil, err
	}
	defer src.close()
	h, _, err := src.header()
	return h, err
}

// datasetRank orders the datasets of an archive: the ones others refer to
// first (sites, people, challenges, ideas), then the rest in their
// canonical order.
func datasetRank(name string) int {
	for i, n := range []string{"sites", "people", "challenges", "ideas"} {
		if n == name {
			return i
		}
	}
	for i, d := range queries.Datasets() {
		if d.Name == name {
			return 4 + i
		}
	}
	return 1 << 10
}

// safeFileName keeps the letters, digits, '.', '-' and '_' of a member's
// base name, for the name of its rejects file beside the archive.
func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	out := strings.Trim(string(b), ".")
	if out == "" {
		return "member"
	}
	return out
}
