package queries

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// jsonKeys returns the keys of a JSON object in their written order.
func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestRegistryListsTheDocumentKeysInJSONOrder(t *testing.T) {
	if got, want := jsonKeys(t, Overall{}), OverallKeys(); !slices.Equal(got, want) {
		t.Errorf("overall JSON keys\n got %v\nwant %v (the registry)", got, want)
	}
	if got, want := jsonKeys(t, Site{}), SiteKeys(); !slices.Equal(got, want) {
		t.Errorf("site JSON keys\n got %v\nwant %v (the registry)", got, want)
	}
}

func TestRegistryDeclaresEachNumericKeyWithAValueAndEachMetricWithHelp(t *testing.T) {
	metrics := map[string]bool{}
	columns := map[int]bool{}
	for _, d := range Registry() {
		if d.Unit.Numeric() && d.figure == nil && d.overall == nil {
			t.Errorf("%s is numeric but has no getter: Value would return nil", d.Key)
		}
		if d.overall != nil && d.Levels != AtOverall {
			t.Errorf("%s has an overall getter but is not overall only", d.Key)
		}
		if d.Metric != "" {
			if d.Help == "" {
				t.Errorf("%s: metric %s has no help text", d.Key, d.Metric)
			}
			if metrics[d.Metric] {
				t.Errorf("%s: metric %s declared twice", d.Key, d.Metric)
			}
			metrics[d.Metric] = true
		}
		if d.Unit.Numeric() && d.Metric == "" {
			t.Errorf("%s is numeric but has no metric", d.Key)
		}
		if d.HeatmapColumn > 0 {
			if columns[d.HeatmapColumn] {
				t.Errorf("%s: heat map column %d taken twice", d.Key, d.HeatmapColumn)
			}
			columns[d.HeatmapColumn] = true
			if !d.Unit.Numeric() || d.Levels&AtSite == 0 || d.Direction == Neutral {
				t.Errorf("%s is on the heat map but is not a site number with a direction", d.Key)
			}
		}
	}
}
