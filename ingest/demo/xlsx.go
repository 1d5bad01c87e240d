package demo

import (
	"context"
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"
)

// surveyCampaigns are the days of the ambassadors' pulse surveys (about
// monthly; the first one before the eNPS range D-89..D).
func surveyCampaigns() []int { return []int{dayD - 110, dayD - 80, dayD - 50, dayD - 20} }

// writeSurveys writes enquetes.xlsx: one sheet, French headers, answered_at
// as real date cells (Excel serials with a date-time format), written with
// excelize's StreamWriter. Ambassadors appointed by a campaign (and not
// gone) and the core team answer it with a profile-dependent probability
// and score.
func (w *world) writeSurveys(ctx context.Context, f *os.File) (int64, error) {
	r := w.rng(streamSurveys)
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Réponses"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, fmt.Errorf("sheet: %w", err)
	}
	dateFmt := "dd/mm/yyyy hh:mm"
	style, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return 0, fmt.Errorf("style: %w", err)
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, fmt.Errorf("stream: %w", err)
	}
	if err := sw.SetColWidth(1, 3, 18); err != nil {
		return 0, fmt.Errorf("width: %w", err)
	}
	if err := sw.SetRow("A1", []any{"Identifiant", "Date de réponse", "Note"}); err != nil {
		return 0, fmt.Errorf("header: %w", err)
	}
	var rows int64
	var id []byte
	for _, camp := range surveyCampaigns() {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		for pi := range w.people {
			p := &w.people[pi]
			var prob float64
			lo, hi := 6, 10
			switch p.role {
			case roleAmbassador:
				if p.since < 0 || int(p.since) > camp+7 {
					continue
				}
				sp := &w.sites[p.site].spec
				prob, lo, hi = sp.surveyProb, sp.scoreLo, sp.scHi
			case roleCoreTeam:
				prob = 0.8
			default:
				continue
			}
			if r.Float64() >= prob {
				continue
			}
			day := camp + r.IntN(8)
			t := int32(day*daySec + between(r, 8*60, 19*60)*60)
			if t >= endOfDSec || p.left >= 0 && day >= int(p.left) {
				continue
			}
			rows++
			id = personID(id[:0], int32(pi))
			cell, _ := excelize.CoordinatesToCellName(1, int(rows)+1)
			if err := sw.SetRow(cell, []any{string(id), excelize.Cell{StyleID: style, Value: w.clock.wall(t)}, between(r, lo, hi)}); err != nil {
				return 0, fmt.Errorf("row %d: %w", rows+1, err)
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	if _, err := x.WriteTo(f); err != nil {
		return 0, fmt.Errorf("save: %w", err)
	}
	return rows, nil
}
