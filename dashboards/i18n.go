package dashboards

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"relais/queries"
)

// Languages of the pages; French is the default (the sponsor's language).
const (
	langFR = "fr"
	langEN = "en"
)

// pickLang chooses the language: ?lang= when it names one we have, then the
// first supported language of Accept-Language by quality, then French.
func pickLang(r *http.Request) string {
	switch strings.ToLower(r.URL.Query().Get("lang")) {
	case langFR:
		return langFR
	case langEN:
		return langEN
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == langFR || base == langEN) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	if best != "" {
		return best
	}
	return langFR
}

// kind says how a figure is shown: the registry's unit of its key.
type kind = queries.Unit

const (
	kCount  = queries.UnitCount
	kRatio  = queries.UnitRatio  // a fraction shown as a percentage
	kDays   = queries.UnitDays   // a duration in days, one decimal
	kScore  = queries.UnitScore  // a plain number, one decimal
	kChange = queries.UnitChange // a signed relative change, as a percentage
	kENPS   = queries.UnitENPS   // -100..100, no decimal
)

// figureKind is the display kind of a numeric key of the document (a count
// for any other key).
func figureKind(key string) kind {
	if u := queries.UnitOf(key); u.Numeric() {
		return u
	}
	return kCount
}

// format shows a figure for people: percentages for ratios, one decimal for
// days and scores, a dash for an unknown value. The JSON keeps raw values.
func format(lang, key string, v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "—"
	}
	x := *v
	switch figureKind(key) {
	case kRatio:
		return num(lang, x*100, 0) + pct(lang)
	case kChange:
		s := num(lang, x*100, 0) + pct(lang)
		if x > 0 {
			s = "+" + s
		}
		return s
	case kDays:
		if lang == langFR {
			return num(lang, x, 1) + " j"
		}
		return num(lang, x, 1) + " d"
	case kScore:
		return num(lang, x, 1)
	case kENPS:
		return num(lang, x, 0)
	}
	return num(lang, x, 0)
}

func pct(lang string) string {
	if lang == langFR {
		return "\u202f%"
	}
	return "%"
}

// num formats with the language's decimal separator and thousands spacing.
func num(lang string, x float64, decimals int) string {
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	sep := ","
	dec := "."
	if lang == langFR {
		sep, dec = "\u202f", ","
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += dec + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// tr is one language's texts: page words, figure labels and definitions.
type tr struct {
	words map[string]string
	label map[string]string
	def   map[string]string
	flag  map[string]string
}

func (t tr) word(k string) string {
	if s, ok := t.words[k]; ok {
		return s
	}
	return k
}

var translations = map[string]tr{
	langFR: {
		words: map[string]string{
			"sponsor": "Sponsor", "sites": "Sites", "site": "Site", "committee": "Comité", "data": "Données",
			"as_of": "Date d'arrêté", "show": "Afficher", "all_sites": "Tous les sites", "month": "Mois",
			"json": "JSON", "excel": "Excel", "lang": "Langue",
			"no_charts":   "Ce binaire a été construit sans le script des graphiques (echarts.min.js) : les tableaux sont là, les graphiques non. Lancez `make assets` puis reconstruisez.",
			"program_day": "Jour du programme", "phase": "Phase", "program_start": "Début du programme",
			"not_configured": "début non configuré : les 90 jours qui finissent à la date d'arrêté",
			"targets":        "Objectifs à 90 jours", "value": "Valeur", "target": "Cible", "pace": "Rythme attendu", "status": "Statut",
			"trend": "Tendance hebdomadaire", "help_sites": "Les trois sites qui ont le plus besoin d'aide",
			"overall": "Ensemble du groupe", "no_target": "Aucun objectif configuré.",
			"flags": "Alertes", "struggling": "En difficulté", "yes": "oui", "no": "non",
			"heatmap": "Carte de chaleur des sites par indicateur", "heatmap_capped": "Les sites qui ont le plus besoin d'aide ; le tableau les a tous. Sites montrés", "adoption_per_site": "Adoption et ambassadeurs actifs par site",
			"weekly_participation": "Participation hebdomadaire", "funnel": "Entonnoir des idées par statut",
			"decision_delay": "Délai de décision", "ambassadors": "Ambassadeurs", "last_activity": "Dernière activité",
			"top_ideas": "Top 5 des idées ouvertes (impact × faisabilité)", "latest_decisions": "Dernières décisions",
			"changelog": "Décisions du mois", "synthesis": "Synthèse du mois", "reason": "Motif", "decision": "Décision",
			"date": "Date", "idea": "Idée", "title": "Titre", "score": "Score", "created": "Créée le", "age_days": "Âge (jours)",
			"votes": "Votes", "name": "Nom", "role": "Rôle", "since": "Depuis", "none": "Aucune donnée.",
			"loaded": "Données chargées", "dataset": "Jeu de données", "rows": "Lignes", "files": "Fichiers chargés",
			"file": "Fichier", "finished": "Chargé le", "rows_read": "Lues", "rejected": "Rejetées",
			"inbox": "Dossier d'entrée", "inbox_off": "Aucun dossier d'entrée (relais serve --inbox DOSSIER).",
			"inbox_results": "Derniers résultats du dossier d'entrée", "quality": "Qualité des données",
			"dangling": "Références vers des lignes absentes", "column": "Colonne", "refers_to": "Vers", "missing": "Identifiants manquants",
			"people_without_site": "Personnes dont le site n'est pas chargé", "ideas_without_author": "Idées sans auteur",
			"result": "Résultat", "ok": "chargé", "failed": "refusé", "waiting": "En attente",
			"bad_request": "Requête invalide", "not_found": "Introuvable", "error": "Erreur",
			"weeks": "Semaines", "week": "Semaine", "active_people": "Personnes actives", "new_ideas": "Nouvelles idées",
			"decisions_count": "Décisions", "computed_at": "Calculé le", "data_version": "version des données",
			"measured": "mesuré", "baseline": "Référence", "current": "Actuel",
			"synthesis_none": "Pas de synthèse pour ce mois.", "reasons_in_words": "Alerte et raison",
			"site_filter": "Site", "day": "jour", "pct_of_target": "% de la cible", "colon": "\u00a0: ", "actions_30d": "Actions sur 30 jours", "changelog_capped": "Seules les 500 dernières décisions du mois sont affichées : choisissez un site, ou ouvrez le JSON ou l'Excel pour toutes les voir. Non affichées", "definitions": "Définitions", "key": "Clé",
		},
		label: map[string]string{
			"sites": "Sites", "headcount": "Effectif", "mau": "Actifs 30 j", "mau_previous": "Actifs 30 j précédents",
			"mau_change": "Évolution des actifs", "adoption": "Adoption", "ambassadors": "Ambassadeurs",
			"active_ambassadors": "Ambassadeurs actifs", "active_ambassador_rate": "Taux d'ambassadeurs actifs",
			"people_per_ambassador": "Personnes par ambassadeur", "ideas": "Idées", "ideas_by_status": "Idées par statut",
			"ideas_implemented": "Idées réalisées", "decision_delay_days": "Délai de décision",
			"decision_delay_baseline_days": "Délai de décision de référence", "oldest_open_idea_days": "Plus vieille idée ouverte",
			"response_sla_share": "Réponses dans les 5 jours ouvrés", "votes_per_idea": "Votes par idée",
			"quality_score": "Score qualité", "scored_share": "Part d'idées notées", "cross_site_share": "Part inter-sites",
			"replications": "Réplications", "time_to_knowledge_days": "Délai de diffusion", "enps_responses": "Réponses eNPS",
			"enps": "eNPS", "sites_with_active_ambassador_share": "Sites avec un ambassadeur actif",
			"ideas_per_site_median": "Idées par site (médiane)", "decision_delay_reduction": "Réduction du délai de décision",
			"struggling_sites": "Sites en difficulté", "flags": "Alertes", "struggling": "En difficulté",
			"submitted": "Soumises", "in_review": "En étude", "retained": "Retenues", "postponed": "Reportées",
			"rejected": "Refusées", "implemented": "Réalisées", "withdrawn": "Retirées",
			"not_started": "Pas commencé", "framing": "Cadrage", "recruiting": "Recrutement", "launch": "Lancement",
			"scale_up": "Déploiement", "sustain": "Pérennisation",
			"met": "atteint", "on_track": "en bonne voie", "at_risk": "à risque", "off_track": "en retard", "no_data": "pas de donnée",
			"at_least": "au moins", "at_most": "au plus",
			"collaborator": "collaborateur", "ambassador": "ambassadeur", "core_team": "équipe cœur", "sponsor": "sponsor",
		},
		def: map[string]string{
			"sites":                              "Nombre de sites chargés.",
			"headcount":                          "Effectif déclaré du site (somme des sites pour le groupe).",
			"mau":                                "Personnes actives (activité, idée, vote ou commentaire) sur les 30 jours qui finissent à la date d'arrêté.",
			"mau_previous":                       "Personnes actives sur les 30 jours précédents (J-59 à J-30).",
			"mau_change":                         "(actifs - actifs précédents) / actifs précédents.",
			"adoption":                           "Actifs 30 jours / effectif.",
			"ambassadors":                        "Personnes ambassadrices à la date d'arrêté (depuis <= date, pas encore parties).",
			"active_ambassadors":                 "Ambassadeurs actifs sur les 30 derniers jours.",
			"active_ambassador_rate":             "Ambassadeurs actifs / ambassadeurs.",
			"people_per_ambassador":              "Effectif / ambassadeurs.",
			"ideas":                              "Idées créées pendant le programme (retirées exclues).",
			"ideas_by_status":                    "Idées créées pendant le programme, par statut actuel (retirées comprises).",
			"ideas_implemented":                  "Idées réalisées pendant le programme.",
			"decision_delay_days":                "Médiane, en jours, entre la création d'une idée et sa première décision, pour les premières décisions du programme.",
			"decision_delay_baseline_days":       "La même médiane sur les 90 jours avant le début du programme.",
			"oldest_open_idea_days":              "Âge, en jours, de la plus vieille idée soumise ou en étude sans décision.",
			"response_sla_share":                 "Part des idées échues qui ont reçu une décision ou un commentaire d'un ambassadeur ou de l'équipe cœur au plus tard le 5e jour ouvré après leur création.",
			"votes_per_idea":                     "Votes du programme sur les idées du programme / idées.",
			"quality_score":                      "Moyenne de impact × faisabilité (1 à 25) des idées notées.",
			"scored_share":                       "Part des idées qui ont un impact et une faisabilité.",
			"cross_site_share":                   "Part des votes et commentaires des personnes du site portant sur les idées d'un autre site.",
			"replications":                       "Idées du programme qui répliquent une idée d'un autre site.",
			"time_to_knowledge_days":             "Médiane, en jours, entre une idée et sa réplique dans un autre site.",
			"enps_responses":                     "Ambassadeurs ayant répondu à l'enquête sur les 90 derniers jours.",
			"enps":                               "100 × (promoteurs 9-10 - détracteurs 0-6) / réponses ; masqué sous 5 réponses.",
			"sites_with_active_ambassador_share": "Sites ayant au moins un ambassadeur actif / sites.",
			"ideas_per_site_median":              "Médiane du nombre d'idées par site (sites sans idée compris).",
			"decision_delay_reduction":           "1 - délai de décision / délai de référence (configuré ou mesuré).",
			"struggling_sites":                   "Sites sans ambassadeur actif, ou avec au moins deux alertes.",
			"struggling":                         "Sans ambassadeur actif, ou au moins deux alertes.",
			"pace":                               "Cible × jour du programme / 90 (au plus : la cible).",
			"program_day":                        "Date d'arrêté - début du programme + 1.",
		},
		flag: map[string]string{
			"no_active_ambassador": "Aucun ambassadeur actif sur les 30 derniers jours",
			"under_covered":        "Trop peu d'ambassadeurs : plus de 150 personnes par ambassadeur, ou aucun pour 50 personnes ou plus",
			"low_adoption":         "Adoption inférieure à la moitié de celle du groupe",
			"mau_drop":             "Les actifs ont baissé d'au moins 30 % par rapport aux 30 jours précédents",
			"ideas_behind":         "Moins de la moitié des idées attendues à ce jour du programme",
			"slow_response":        "Moins de la moitié des idées ont eu une réponse dans les 5 jours ouvrés",
		},
	},
	langEN: {
		words: map[string]string{
			"sponsor": "Sponsor", "sites": "Sites", "site": "Site", "committee": "Committee", "data": "Data",
			"as_of": "As of", "show": "Show", "all_sites": "All sites", "month": "Month",
			"json": "JSON", "excel": "Excel", "lang": "Language",
			"no_charts":   "This binary was built without the charts script (echarts.min.js): tables are here, charts are not. Run `make assets` and rebuild.",
			"program_day": "Program day", "phase": "Phase", "program_start": "Program start",
			"not_configured": "start not configured: the 90 days that end on the as-of date",
			"targets":        "90-day targets", "value": "Value", "target": "Target", "pace": "Expected pace", "status": "Status",
			"trend": "Weekly trend", "help_sites": "The three sites that need help most",
			"overall": "Whole group", "no_target": "No target configured.",
			"flags": "Flags", "struggling": "Struggling", "yes": "yes", "no": "no",
			"heatmap": "Heat map of sites by KPI", "heatmap_capped": "The sites that need help most; the table has them all. Sites shown", "adoption_per_site": "Adoption and active ambassadors per site",
			"weekly_participation": "Weekly participation", "funnel": "Idea funnel by status",
			"decision_delay": "Decision delay", "ambassadors": "Ambassadors", "last_activity": "Last activity",
			"top_ideas": "Top 5 open ideas (impact × feasibility)", "latest_decisions": "Latest decisions",
			"changelog": "Decisions of the month", "synthesis": "Monthly synthesis", "reason": "Reason", "decision": "Decision",
			"date": "Date", "idea": "Idea", "title": "Title", "score": "Score", "created": "Created", "age_days": "Age (days)",
			"votes": "Votes", "name": "Name", "role": "Role", "since": "Since", "none": "No data.",
			"loaded": "Loaded data", "dataset": "Dataset", "rows": "Rows", "files": "Loaded files",
			"file": "File", "finished": "Loaded at", "rows_read": "Read", "rejected": "Rejected",
			"inbox": "Inbox folder", "inbox_off": "No inbox folder (relais serve --inbox DIR).",
			"inbox_results": "Latest inbox results", "quality": "Data quality",
			"dangling": "References to rows not loaded", "column": "Column", "refers_to": "To", "missing": "Missing identifiers",
			"people_without_site": "People whose site is not loaded", "ideas_without_author": "Ideas without an author",
			"result": "Result", "ok": "loaded", "failed": "refused", "waiting": "Waiting",
			"bad_request": "Bad request", "not_found": "Not found", "error": "Error",
			"weeks": "Weeks", "week": "Week", "active_people": "Active people", "new_ideas": "New ideas",
			"decisions_count": "Decisions", "computed_at": "Computed at", "data_version": "data version",
			"measured": "measured", "baseline": "Baseline", "current": "Current",
			"synthesis_none": "No synthesis for this month.", "reasons_in_words": "Flag and reason",
			"site_filter": "Site", "day": "day", "pct_of_target": "% of target", "colon": ": ", "actions_30d": "Actions in 30 days", "changelog_capped": "Only the month's latest 500 decisions are shown: pick a site, or open the JSON or Excel to see them all. Not shown", "definitions": "Definitions", "key": "Key",
		},
		label: map[string]string{
			"sites": "Sites", "headcount": "Headcount", "mau": "Active (30 d)", "mau_previous": "Active (previous 30 d)",
			"mau_change": "Change in active people", "adoption": "Adoption", "ambassadors": "Ambassadors",
			"active_ambassadors": "Active ambassadors", "active_ambassador_rate": "Active ambassador rate",
			"people_per_ambassador": "People per ambassador", "ideas": "Ideas", "ideas_by_status": "Ideas by status",
			"ideas_implemented": "Ideas implemented", "decision_delay_days": "Decision delay",
			"decision_delay_baseline_days": "Baseline decision delay", "oldest_open_idea_days": "Oldest open idea",
			"response_sla_share": "Answered within 5 business days", "votes_per_idea": "Votes per idea",
			"quality_score": "Quality score", "scored_share": "Scored ideas", "cross_site_share": "Cross-site share",
			"replications": "Replications", "time_to_knowledge_days": "Time to knowledge", "enps_responses": "eNPS responses",
			"enps": "eNPS", "sites_with_active_ambassador_share": "Sites with an active ambassador",
			"ideas_per_site_median": "Ideas per site (median)", "decision_delay_reduction": "Decision delay reduction",
			"struggling_sites": "Struggling sites", "flags": "Flags", "struggling": "Struggling",
			"submitted": "Submitted", "in_review": "In review", "retained": "Retained", "postponed": "Postponed",
			"rejected": "Rejected", "implemented": "Implemented", "withdrawn": "Withdrawn",
			"not_started": "Not started", "framing": "Framing", "recruiting": "Recruiting", "launch": "Launch",
			"scale_up": "Scale-up", "sustain": "Sustain",
			"met": "met", "on_track": "on track", "at_risk": "at risk", "off_track": "off track", "no_data": "no data",
			"at_least": "at least", "at_most": "at most",
			"collaborator": "collaborator", "ambassador": "ambassador", "core_team": "core team", "sponsor": "sponsor",
		},
		def: map[string]string{
			"sites":                              "Number of sites loaded.",
			"headcount":                          "The site's declared headcount (sum over sites for the group).",
			"mau":                                "People active (activity, idea, vote or comment) in the 30 days ending on the as-of date.",
			"mau_previous":                       "People active in the previous 30 days (D-59 to D-30).",
			"mau_change":                         "(active - previously active) / previously active.",
			"adoption":                           "Active in 30 days / headcount.",
			"ambassadors":                        "Ambassadors on the as-of date (since <= date, not left yet).",
			"active_ambassadors":                 "Ambassadors active in the last 30 days.",
			"active_ambassador_rate":             "Active ambassadors / ambassadors.",
			"people_per_ambassador":              "Headcount / ambassadors.",
			"ideas":                              "Ideas created during the program (withdrawn excluded).",
			"ideas_by_status":                    "Ideas created during the program, by current status (withdrawn included).",
			"ideas_implemented":                  "Ideas implemented during the program.",
			"decision_delay_days":                "Median days from an idea's creation to its first decision, over first decisions in the program.",
			"decision_delay_baseline_days":       "The same median over the 90 days before the program started.",
			"oldest_open_idea_days":              "Age in days of the oldest idea submitted or in review with no decision.",
			"response_sla_share":                 "Share of due ideas that got a decision or a comment from an ambassador or the core team by the 5th business day after creation.",
			"votes_per_idea":                     "Votes in the program on the program's ideas / ideas.",
			"quality_score":                      "Mean impact × feasibility (1 to 25) of scored ideas.",
			"scored_share":                       "Share of ideas that have both impact and feasibility.",
			"cross_site_share":                   "Share of the site's people's votes and comments that go to another site's ideas.",
			"replications":                       "Program ideas that replicate another site's idea.",
			"time_to_knowledge_days":             "Median days from an idea to its replica on another site.",
			"enps_responses":                     "Ambassadors who answered the survey in the last 90 days.",
			"enps":                               "100 × (promoters 9-10 - detractors 0-6) / responses; hidden under 5 responses.",
			"sites_with_active_ambassador_share": "Sites with at least one active ambassador / sites.",
			"ideas_per_site_median":              "Median number of ideas per site (sites without ideas included).",
			"decision_delay_reduction":           "1 - decision delay / baseline (configured or measured).",
			"struggling_sites":                   "Sites with no active ambassador, or with two flags or more.",
			"struggling":                         "No active ambassador, or two flags or more.",
			"pace":                               "Target × program day / 90 (at most: the target).",
			"program_day":                        "As-of date - program start + 1.",
		},
		flag: map[string]string{
			"no_active_ambassador": "No ambassador active in the last 30 days",
			"under_covered":        "Too few ambassadors: over 150 people per ambassador, or none for 50 people or more",
			"low_adoption":         "Adoption below half of the group's",
			"mau_drop":             "Active people fell by 30% or more against the previous 30 days",
			"ideas_behind":         "Fewer than half the ideas expected at this day of the program",
			"slow_response":        "Fewer than half the ideas were answered within 5 business days",
		},
	},
}
