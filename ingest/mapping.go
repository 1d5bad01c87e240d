package ingest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
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
}

// ColumnMapping is the source of one canonical column.
type ColumnMapping struct {
	// From lists source headers; the first non-empty value wins.
	From []string
	// Default is used when the value is empty or the column absent.
	Default *string
	// WhenPresent replaces any non-empty value that Values does not name.
	WhenPresent *string
	// Values translate source values (compared folded: case, accents and
	// punctuation ignored); the key "" matches an empty value.
	Values map[string]string
}

// stringList accepts a YAML string or a list of strings.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	return fmt.Errorf("line %d: from: want a column name or a list of them", n.Line)
}

type yamlMapping struct {
	Dataset     string `yaml:"dataset"`
	Description string `yaml:"description"`
	Columns     map[string]struct {
		From        stringList        `yaml:"from"`
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
	m := &Mapping{Name: name, Dataset: ds.Name, Columns: map[string]ColumnMapping{}}
	var errs []error
	for col, c := range y.Columns {
		dc, i := ds.Column(col)
		if i < 0 {
			errs = append(errs, fmt.Errorf("mapping %s: %s has no column %q", name, ds.Name, col))
			continue
		}
		cm := ColumnMapping{From: c.From, Default: c.Default, WhenPresent: c.WhenPresent, Values: map[string]string{}}
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
