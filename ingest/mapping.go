package ingest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"relais/queries"
)

//go:embed mappings/*.yaml
var shippedMappings embed.FS

// Mapping says how an export that is not in canonical form maps onto a
// dataset (docs/data.md "Headers"). The YAML form is
//
//	dataset: ideas
//	columns:
//	  idea_id: {from: id}
//	  title: {from: [title/fr, title/en]}   # a list: the first non-empty value
//	  theme: {from: category/name/*}        # any locale, in the order of Options.Locales
//	  idea_id:                              # a part of a column: the capture group
//	    from: [root_commentable_url, commentable_id]
//	    pattern: '([^/]+)/?$'
//	  created_at:                           # parts of several columns, joined
//	    from: [date, {column: time, pattern: '(\d\d:\d\d:\d\d)$'}]
//	    join: " "
//	  site_id: {from: scope/id, default: GROUP}
//	  status:
//	    from: retired_at
//	    default: submitted                 # the value is empty (or the column absent)
//	    when_present: withdrawn            # any non-empty value not in values
//	    values: {not_answered: submitted}  # translations; the key "" means empty
//
// Canonical columns the mapping does not list are still matched by header.
type Mapping struct {
	// Name is the shipped name or the file path.
	Name string
	// Dataset is the canonical dataset name.
	Dataset string
	// Columns map canonical column names to their source.
	Columns map[string]ColumnMapping
	// Files are name patterns (path.Match, case-insensitive, on the base
	// name): a file given without --mapping or --dataset whose name
	// matches one is read with this mapping (shipped mappings only).
	Files []string
}

// ColumnMapping is the source of one canonical column (docs/mappings.md).
type ColumnMapping struct {
	// From lists source headers; the first non-empty value wins (all the
	// non-empty ones, joined, when Join is set). A header ending in "/*"
	// names that column in any locale.
	From []string
	// Patterns are the regular expressions (one capture group) that take
	// a part of each From column's value, parallel to From; nil takes the
	// whole value. A value the pattern does not match counts as empty.
	Patterns []*regexp.Regexp
	// Join, when set, joins the non-empty values of every From column
	// with this separator instead of taking the first.
	Join *string
	// Default is used when the value is empty or the column absent.
	Default *string
	// WhenPresent replaces any non-empty value that Values does not name.
	WhenPresent *string
	// Values translate source values (compared folded: case, accents and
	// punctuation ignored); the key "" matches an empty value.
	Values map[string]string
}

// fromEntry is one source column of a mapping: a header, with an optional
// pattern of its own.
type fromEntry struct {
	Column  string `yaml:"column"`
	Pattern string `yaml:"pattern"`
}

// fromList accepts a YAML string, a {column, pattern} object, or a list of
// either.
type fromList []fromEntry

func (s *fromList) UnmarshalYAML(n *yaml.Node) error {
	entry := func(n *yaml.Node) (fromEntry, error) {
		switch n.Kind {
		case yaml.ScalarNode:
			return fromEntry{Column: n.Value}, nil
		case yaml.MappingNode:
			var e fromEntry
			if err := n.Decode(&e); err != nil {
				return e, err
			}
			if e.Column == "" {
				return e, fmt.Errorf("line %d: from: an entry needs a column", n.Line)
			}
			return e, nil
		}
		return fromEntry{}, fmt.Errorf("line %d: from: want a column name, {column: NAME, pattern: REGEXP} or a list of them", n.Line)
	}
	if n.Kind != yaml.SequenceNode {
		e, err := entry(n)
		*s = fromList{e}
		return err
	}
	for _, c := range n.Content {
		e, err := entry(c)
		if err != nil {
			return err
		}
		*s = append(*s, e)
	}
	return nil
}

type yamlMapping struct {
	Dataset     string   `yaml:"dataset"`
	Description string   `yaml:"description"`
	Files       []string `yaml:"files"`
	Columns     map[string]struct {
		From        fromList          `yaml:"from"`
		Pattern     string            `yaml:"pattern"`
		Join        *string           `yaml:"join"`
		Default     *string           `yaml:"default"`
		WhenPresent *string           `yaml:"when_present"`
		Values      map[string]string `yaml:"values"`
	} `yaml:"columns"`
}

// ShippedMappings lists the names of the mappings built into the binary.
func ShippedMappings() []string {
	entries, _ := shippedMappings.ReadDir("mappings")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// LoadMapping reads a shipped mapping by name (decidim-proposals,
// decidim-comments, consul-proposals) or a YAML mapping file.
func LoadMapping(nameOrPath string) (*Mapping, error) {
	var data []byte
	var err error
	if !strings.ContainsAny(nameOrPath, `/\.`) {
		data, err = shippedMappings.ReadFile("mappings/" + nameOrPath + ".yaml")
		if err != nil {
			// Not a shipped name: a file of that name in the current
			// folder (a mapping saved without an extension) is still read.
			if fdata, ferr := os.ReadFile(nameOrPath); ferr == nil {
				return parseMapping(nameOrPath, fdata)
			}
			return nil, fmt.Errorf("mapping %q: no such shipped mapping (shipped: %s) and not a file path", nameOrPath, strings.Join(ShippedMappings(), ", "))
		}
	} else if data, err = os.ReadFile(nameOrPath); err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	return parseMapping(nameOrPath, data)
}

func parseMapping(name string, data []byte) (*Mapping, error) {
	var y yamlMapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		return nil, fmt.Errorf("mapping %s: %w", name, err)
	}
	ds, ok := LookupDatasetName(y.Dataset)
	if !ok {
		return nil, fmt.Errorf("mapping %s: dataset %q is not one of sites, people, ideas, votes, comments, activity, challenges, surveys, decisions", name, y.Dataset)
	}
	m := &Mapping{Name: name, Dataset: ds.Name, Columns: map[string]ColumnMapping{}, Files: y.Files}
	for _, f := range y.Files {
		if _, err := path.Match(strings.ToLower(f), ""); err != nil {
			return nil, fmt.Errorf("mapping %s: files: %q: %w", name, f, err)
		}
	}
	var errs []error
	for col, c := range y.Columns {
		dc, i := ds.Column(col)
		if i < 0 {
			errs = append(errs, fmt.Errorf("mapping %s: %s has no column %q", name, ds.Name, col))
			continue
		}
		cm := ColumnMapping{Join: c.Join, Default: c.Default, WhenPresent: c.WhenPresent, Values: map[string]string{}}
		for _, f := range c.From {
			pat := f.Pattern
			if pat == "" {
				pat = c.Pattern
			}
			re, err := compilePattern(pat)
			if err != nil {
				errs = append(errs, fmt.Errorf("mapping %s: %s: pattern %q: %w", name, col, pat, err))
			}
			cm.From = append(cm.From, f.Column)
			cm.Patterns = append(cm.Patterns, re)
		}
		for k, v := range c.Values {
			cm.Values[fold(k)] = v
		}
		if dc.Kind == queries.Enum {
			words := enumLookup(dc.Name, dc.Values)
			check := func(what, v string) {
				if _, ok := words[fold(v)]; !ok {
					errs = append(errs, fmt.Errorf("mapping %s: %s %s %q is not one of %s", name, col, what, v, strings.Join(dc.Values, ", ")))
				}
			}
			for _, v := range c.Values {
				check("value", v)
			}
			if c.Default != nil {
				check("default", *c.Default)
			}
			if c.WhenPresent != nil {
				check("when_present", *c.WhenPresent)
			}
		}
		m.Columns[col] = cm
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// compilePattern compiles a mapping pattern, which must have exactly one
// capture group ("" is no pattern: nil).
func compilePattern(pat string) (*regexp.Regexp, error) {
	if pat == "" {
		return nil, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	if re.NumSubexp() != 1 {
		return nil, fmt.Errorf("want exactly one capture group (...), found %d", re.NumSubexp())
	}
	return re, nil
}

// mappingForFile returns the shipped mapping whose files patterns match the
// base name of a file, when exactly one does ("" otherwise).
func mappingForFile(name string) string {
	base := strings.ToLower(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	found := ""
	for _, n := range ShippedMappings() {
		m, err := LoadMapping(n)
		if err != nil {
			continue
		}
		for _, f := range m.Files {
			if ok, _ := path.Match(strings.ToLower(f), base); ok {
				if found != "" && found != n {
					return ""
				}
				found = n
			}
		}
	}
	return found
}
