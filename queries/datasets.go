package queries

// Kind is the type of a dataset column, as stored.
type Kind int

// Column kinds.
const (
	// Text is a trimmed string (identifiers, titles).
	Text Kind = iota
	// Integer is a whole number, bounded by Min and Max when set.
	Integer
	// Date is a local calendar date (DATE).
	Date
	// Instant is a point in time (TIMESTAMPTZ).
	Instant
	// Enum is one of Values.
	Enum
)

// String names the kind for messages.
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Integer:
		return "integer"
	case Date:
		return "date"
	case Instant:
		return "date-time"
	case Enum:
		return "enum"
	}
	return "unknown"
}

// Column is one canonical column of a dataset.
type Column struct {
	// Name is the canonical column name.
	Name string
	// Kind is how the value is stored.
	Kind Kind
	// Required columns must be present in the file and non-empty in a row.
	Required bool
	// Min and Max bound Integer columns when HasRange is set.
	Min, Max int64
	// HasRange says Min and Max apply (Max < 0 means no upper bound).
	HasRange bool
	// Values are the canonical values of an Enum column.
	Values []string
	// Default is used when an optional Enum value is empty.
	Default string
}

// Dataset describes one of the nine datasets of docs/data.md.
type Dataset struct {
	// Name is the canonical (English) dataset name, also its table name.
	Name string
	// Key lists the columns that make a row unique.
	Key []string
	// Columns are the canonical columns in table order.
	Columns []Column
}

// Column returns the named column and its index, or -1.
func (d Dataset) Column(name string) (Column, int) {
	for i, c := range d.Columns {
		if c.Name == name {
			return c, i
		}
	}
	return Column{}, -1
}

// Required lists the names of the required columns.
func (d Dataset) Required() []string {
	var out []string
	for _, c := range d.Columns {
		if c.Required {
			out = append(out, c.Name)
		}
	}
	return out
}

// Statuses are the idea statuses, in the order the JSON document lists them.
var statuses = []string{"submitted", "in_review", "retained", "postponed", "rejected", "implemented", "withdrawn"}

// Statuses returns the seven idea statuses in display order.
func Statuses() []string { return append([]string(nil), statuses...) }

func text(name string, req bool) Column { return Column{Name: name, Kind: Text, Required: req} }
func date(name string, req bool) Column { return Column{Name: name, Kind: Date, Required: req} }
func instant(name string, req bool) Column {
	return Column{Name: name, Kind: Instant, Required: req}
}
func integer(name string, req bool, min, max int64) Column {
	return Column{Name: name, Kind: Integer, Required: req, Min: min, Max: max, HasRange: true}
}
func enum(name string, req bool, def string, values ...string) Column {
	return Column{Name: name, Kind: Enum, Required: req, Default: def, Values: values}
}

// Datasets returns the nine datasets of docs/data.md, in a stable order that also
// suits loading (sites first, activity last).
func Datasets() []Dataset {
	decisions := []string{"retained", "postponed", "rejected", "implemented"}
	return []Dataset{
		{Name: "sites", Key: []string{"site_id"}, Columns: []Column{
			text("site_id", true), text("name", true), text("region", false),
			integer("headcount", false, 0, -1),
		}},
		{Name: "people", Key: []string{"person_id"}, Columns: []Column{
			text("person_id", true), text("site_id", true),
			enum("role", false, "collaborator", "collaborator", "ambassador", "core_team", "sponsor"),
			text("display_name", false), date("ambassador_since", false), date("trained_on", false), date("left_on", false),
		}},
		{Name: "ideas", Key: []string{"idea_id"}, Columns: []Column{
			text("idea_id", true), text("site_id", true), text("author_id", false),
			enum("kind", false, "idea", "idea", "irritant", "solution", "practice"),
			text("title", true), instant("created_at", true),
			enum("status", true, "", statuses...),
			instant("decided_at", false), instant("implemented_at", false),
			integer("impact", false, 1, 5), integer("feasibility", false, 1, 5),
			text("challenge_id", false), text("theme", false), text("solves_idea_id", false), text("replicates_idea_id", false),
		}},
		{Name: "votes", Key: []string{"idea_id", "voter_id"}, Columns: []Column{
			text("idea_id", true), text("voter_id", true), instant("voted_at", true),
		}},
		{Name: "comments", Key: []string{"comment_id"}, Columns: []Column{
			text("comment_id", true), text("idea_id", true), text("author_id", true), instant("created_at", true),
		}},
		{Name: "activity", Key: []string{"person_id", "occurred_at", "action"}, Columns: []Column{
			text("person_id", true), instant("occurred_at", true),
			// action is free text (logins, visits, any tracked action).
			{Name: "action", Kind: Text, Default: "visit"},
		}},
		{Name: "challenges", Key: []string{"challenge_id"}, Columns: []Column{
			text("challenge_id", true), text("title", true), text("site_id", false), text("theme", false),
			date("starts_on", true), date("ends_on", true),
		}},
		{Name: "surveys", Key: []string{"person_id", "answered_at"}, Columns: []Column{
			text("person_id", true), instant("answered_at", true), integer("score", true, 0, 10),
		}},
		{Name: "decisions", Key: []string{"idea_id", "decided_at", "decision"}, Columns: []Column{
			text("idea_id", true), enum("decision", true, "", decisions...), instant("decided_at", true), text("reason", false),
		}},
	}
}

// LookupDataset returns the dataset with the canonical name.
func LookupDataset(name string) (Dataset, bool) {
	for _, d := range Datasets() {
		if d.Name == name {
			return d, true
		}
	}
	return Dataset{}, false
}
