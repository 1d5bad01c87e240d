package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"relais/queries"
)

// kpiFlags registers `relais kpi [--as-of D] [--format table|json]`.
func (m *Main) kpiFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	asOf := fs.String("as-of", "", "the as-of date YYYY-MM-DD (default: today in the configured time zone)")
	format := fs.String("format", "table", "output format: table or json")
	return func(ctx context.Context) error {
		if *format != "table" && *format != "json" {
			return usagef("--format %q: want table or json", *format)
		}
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q", fs.Arg(0))
		}
		day, err := m.parseAsOf(*asOf)
		if err != nil {
			return err
		}
		db, err := m.openDB(ctx)
		if err != nil {
			return err
		}
		doc, err := db.KPIs(ctx, m.config.Settings, day)
		if err != nil {
			return jobError{fmt.Errorf("compute KPIs: %w", err)}
		}
		if *format == "json" {
			enc := json.NewEncoder(m.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(doc); err != nil {
				return jobError{fmt.Errorf("write JSON: %w", err)}
			}
			return nil
		}
		if err := writeKPITable(m.Stdout, doc); err != nil {
			return jobError{fmt.Errorf("write table: %w", err)}
		}
		return nil
	}
}

// writeKPITable prints the document for a person at a terminal: the program,
// the targets, the group, then one line per site, struggling sites first.
func writeKPITable(w io.Writer, doc *queries.Document) error {
	var b strings.Builder
	configured := ""
	if !doc.Program.Configured {
		configured = " (start not configured: the 90 days ending on the as-of date)"
	}
	fmt.Fprintf(&b, "KPIs as of %s (%s)\n", doc.AsOf, doc.TimeZone)
	fmt.Fprintf(&b, "Program: day %d, phase %s, started %s%s\n\n", doc.Program.Day, doc.Program.Phase, doc.Program.Start, configured)

	if len(doc.Targets) == 0 {
		b.WriteString("Targets: none configured\n\n")
	} else {
		b.WriteString("Targets\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  kpi\tvalue\ttarget\tpace\tstatus")
		for _, t := range doc.Targets {
			op := ">="
			if t.Direction == queries.AtMost {
				op = "<="
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s %s\t%s\t%s\n", t.ID, num(t.Value), op, num(&t.Target), num(&t.Pace), t.Status)
		}
		tw.Flush()
		b.WriteString("\n")
	}

	o := doc.Overall
	fmt.Fprintf(&b, "Group: %d sites, %d struggling; mau %d (adoption %s), ambassadors %d (%d active), ideas %d, median decision delay %s days, sites with an active ambassador %s\n\n",
		o.Sites, o.StrugglingSites, o.MAU, pct(o.Adoption), o.Ambassadors, o.ActiveAmbassadors, o.Ideas,
		num(o.DecisionDelayDays), pct(o.SitesWithActiveAmbassadorShare))

	sites := append([]queries.Site(nil), doc.Sites...)
	sort.SliceStable(sites, func(i, j int) bool { return sites[i].Struggling && !sites[j].Struggling })
	columns := tableColumns()
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	header := []string{"site", "name", "struggling"}
	for _, c := range columns {
		header = append(header, c.Column)
	}
	fmt.Fprintln(tw, strings.Join(append(header, "flags"), "\t"))
	for _, s := range sites {
		st := ""
		if s.Struggling {
			st = "yes"
		}
		row := []string{s.SiteID, s.Name, st}
		for _, c := range columns {
			row = append(row, cellText(c.Unit, s.Value(c.Key)))
		}
		flags := strings.Join(s.Flags, ", ")
		if flags == "" {
			flags = "-"
		}
		fmt.Fprintln(tw, strings.Join(append(row, flags), "\t"))
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}

// tableColumns are the KPI columns of the sites table: the registry's keys
// with a terminal Column, in document order.
func tableColumns() []queries.KPIDef {
	var out []queries.KPIDef
	for _, d := range queries.Registry() {
		if d.Column != "" && d.Levels&queries.AtSite != 0 {
			out = append(out, d)
		}
	}
	return out
}

// cellText prints a figure by its unit: ratios and changes as percentages,
// the rest as numbers; "-" when undefined.
func cellText(u queries.Unit, v *float64) string {
	if u == queries.UnitRatio || u == queries.UnitChange {
		return pct(v)
	}
	return num(v)
}

// num prints a figure rounded to two decimals for reading (the JSON is
// not rounded); "-" when undefined.
func num(v *float64) string {
	if v == nil {
		return "-"
	}
	s := strconv.FormatFloat(*v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// pct prints a ratio as a percentage; "-" when undefined.
func pct(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v*100, 'f', 0, 64) + "%"
}
