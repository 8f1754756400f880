//go:build integration

package dashboards_test

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/undertone/undertone/dashboards"
	"github.com/undertone/undertone/query"
)

// fakeAPI serves /api/v1 with deterministic fixture data in the response
// shapes of query/answers.go and query/drill.go. It validates every request
// with the real query.Parse* functions, so a parameter the UI sends that
// the API would reject fails here too. Token "ut_test" is the only valid
// one (unless token is empty: no auth).
type fakeAPI struct {
	token  string
	topics []string
	now    time.Time
}

var fakeTopics = []dashboards.Topic{
	{ID: "acme-phone", Name: "Acme Phone", Kind: "product", Brand: "acme"},
	{ID: "acme-buds", Name: "Acme Buds", Kind: "product", Brand: "acme"},
	{ID: "beta-mobile", Name: "Beta Mobile", Kind: "competitor"},
}

var fakeThemes = []string{"fears", "frustrations", "disappointments", "joys", "desires", "confusion"}

func newFakeAPI(token string) *fakeAPI {
	return &fakeAPI{token: token, topics: []string{"acme-phone", "acme-buds", "beta-mobile"}, now: time.Now().UTC()}
}

// val is a deterministic pseudo-random number in [0, 1) for a key.
func val(parts ...string) float64 {
	h := fnv.New64a()
	h.Write([]byte(strings.Join(parts, "|")))
	return float64(h.Sum64()%10000) / 10000
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "unauthorized", "message": "missing or invalid token"}})
		return
	}
	v := r.URL.Query()
	ep := strings.TrimPrefix(r.URL.Path, "/api/v1/")
	var (
		out any
		err error
	)
	switch ep {
	case "topics":
		dashboards.TopicsHandler(fakeTopics).ServeHTTP(w, r)
		return
	case "openapi.json":
		out = map[string]any{"openapi": "3.0.3"}
	case "themes":
		var req query.ThemesRequest
		if req, err = query.ParseThemes(v, f.now); err == nil {
			out = f.themes(req.Filter.Topics[0], req.Filter)
		}
	case "trend":
		var req query.TrendRequest
		if req, err = query.ParseTrend(v, f.now); err == nil {
			out = f.trend(req)
		}
	case "movers":
		var req query.MoversRequest
		if req, err = query.ParseMovers(v, f.now, 1000); err == nil {
			out = f.movers(req)
		}
	case "drivers":
		var req query.DriversRequest
		if req, err = query.ParseDrivers(v, f.now, 1000); err == nil {
			out = f.drivers(req)
		}
	case "quotes":
		var req query.QuotesRequest
		if req, err = query.ParseQuotes(v, f.now); err == nil {
			out = f.quotes(req)
		}
	case "sov":
		var req query.SOVRequest
		if req, err = query.ParseSOV(v, f.now); err == nil {
			out = f.sov(req.Filter)
		}
	case "breakdown":
		var req query.BreakdownRequest
		if req, err = query.ParseBreakdown(v, f.now); err == nil {
			out = f.breakdown(req)
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "not_found", "message": "no such endpoint"}})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "bad_request", "message": err.Error()}})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func period(f query.Filter) map[string]string {
	return map[string]string{"from": f.From.Format(time.DateOnly), "to": f.To.AddDate(0, 0, -1).Format(time.DateOnly)}
}

func (f *fakeAPI) volume(topic string, f2 query.Filter) int {
	return int(float64(f2.Days()) * (40 + 200*val(topic)))
}

func (f *fakeAPI) themeRows(topic string, flt query.Filter) (int, []map[string]any) {
	vol := f.volume(topic, flt)
	var rows []map[string]any
	for _, th := range fakeThemes {
		if len(flt.Themes) > 0 && !contains(flt.Themes, th) {
			continue
		}
		share := 0.05 + 0.35*val(topic, th)
		n := int(float64(vol) * share)
		rows = append(rows, map[string]any{"theme": th, "posts": n, "authors": n / 3, "avg_sentiment": math.Round((val(th, topic, "s")*2-1)*1000) / 1000, "share": math.Round(share*10000) / 10000})
	}
	return vol, rows
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (f *fakeAPI) themes(topic string, flt query.Filter) any {
	vol, rows := f.themeRows(topic, flt)
	return map[string]any{"topic": topic, "period": period(flt), "volume": map[string]any{"posts": vol, "authors": vol / 3, "avg_sentiment": 0.1},
		"themes": rows, "suppressed": 0, "min_authors": 5}
}

func (f *fakeAPI) trend(req query.TrendRequest) any {
	topic := req.Filter.Topics[0]
	var rows []map[string]any
	step := 1
	if req.Interval == "week" {
		step = 7
	}
	for d := req.Filter.From; d.Before(req.Filter.To); d = d.AddDate(0, 0, step) {
		day := d.Format(time.DateOnly)
		n := int(float64(step) * (30 + 60*val(topic, day)))
		rows = append(rows, map[string]any{"start": day, "series": "all", "posts": n, "authors": n / 2, "avg_sentiment": math.Round((val(topic, day, "s")-0.5)*1000) / 1000})
		for _, th := range fakeThemes {
			if len(req.Filter.Themes) > 0 && !contains(req.Filter.Themes, th) {
				continue
			}
			m := int(float64(n) * 0.3 * val(topic, day, th))
			rows = append(rows, map[string]any{"start": day, "series": th, "posts": m, "authors": m/2 + 5, "avg_sentiment": 0})
		}
	}
	return map[string]any{"topic": topic, "period": period(req.Filter), "interval": req.Interval, "rows": rows, "suppressed": 0, "truncated": false, "min_authors": 5}
}

func (f *fakeAPI) movers(req query.MoversRequest) any {
	topics := req.Filter.Topics
	if len(topics) == 0 {
		topics = f.topics
	}
	var rows []map[string]any
	for _, t := range topics {
		for _, th := range fakeThemes {
			cur, prev := 20+int(200*val(t, th, "c")), 20+int(200*val(t, th, "p"))
			lift := math.Round(float64(cur)/float64(prev)*10000) / 10000
			z := (float64(cur) - float64(prev)) / math.Sqrt(float64(cur+prev))
			rows = append(rows, map[string]any{"topic": t, "theme": th, "posts": cur, "prev_posts": prev, "share": 0.2, "prev_share": 0.2 / lift,
				"lift": lift, "z": math.Round(z*1000) / 1000, "p": 0.01, "significant": math.Abs(z) > 2})
		}
	}
	// Largest |z| first, as the API sorts.
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			if math.Abs(rows[j]["z"].(float64)) > math.Abs(rows[i]["z"].(float64)) {
				rows[i], rows[j] = rows[j], rows[i]
			}
		}
	}
	if len(rows) > req.Limit {
		rows = rows[:req.Limit]
	}
	p := period(req.Filter)
	return map[string]any{"period": p, "previous": p, "by": req.By, "rows": rows, "suppressed": 0, "truncated": false, "min_authors": 5}
}

func (f *fakeAPI) drivers(req query.DriversRequest) any {
	topic, theme := req.Filter.Topics[0], req.Filter.Themes[0]
	var ents, terms []map[string]any
	for i, e := range []string{"Battery", "Screen", "Camera", "Support"} {
		ents = append(ents, map[string]any{"name": e, "type": "FEATURE", "count": 50 - i*7, "baseline": 120, "authors": 20, "lift": 2.5 - float64(i)*0.4, "z": 5 - float64(i), "p": 0.001})
	}
	for i, w := range []string{"swell", "update", "warranty"} {
		terms = append(terms, map[string]any{"name": w + "-" + theme[:3], "count": 30 - i*5, "baseline": 60, "authors": 15, "lift": 1.9 - float64(i)*0.3, "z": 3.5 - float64(i), "p": 0.01})
	}
	return map[string]any{"topic": topic, "theme": theme, "period": period(req.Filter), "theme_posts": 300, "topic_posts": 1000,
		"entities": ents, "terms": terms, "terms_sampled": false, "suppressed": 0, "min_authors": 5}
}

func (f *fakeAPI) quotes(req query.QuotesRequest) any {
	topic, theme := req.Filter.Topics[0], req.Filter.Themes[0]
	var qs []map[string]any
	for i := range min(req.Limit, 4) {
		qs = append(qs, map[string]any{"text": fmt.Sprintf("Fixture quote %d about %s (%s): <b>not bold</b>", i+1, topic, theme),
			"source": []string{"reddit", "forum", "appstore"}[i%3], "lang": "en", "day": f.now.AddDate(0, 0, -i).Format(time.DateOnly),
			"sentiment": -0.5 + 0.25*float64(i), "similar": i})
	}
	return map[string]any{"topic": topic, "theme": theme, "period": period(req.Filter), "order": req.Order, "quotes": qs, "suppressed": false, "min_authors": 5}
}

func (f *fakeAPI) sov(flt query.Filter) any {
	topics := flt.Topics
	if len(topics) == 0 {
		topics = f.topics
	}
	total := 0
	for _, t := range topics {
		total += f.volume(t, flt)
	}
	var rows []map[string]any
	for _, t := range topics {
		vol, th := f.themeRows(t, query.Filter{From: flt.From, To: flt.To})
		rows = append(rows, map[string]any{"topic": t, "posts": vol, "authors": vol / 3, "avg_sentiment": math.Round((val(t, "sent")-0.5)*1000) / 1000,
			"share": math.Round(float64(vol)/float64(total)*10000) / 10000, "themes": th})
	}
	return map[string]any{"period": period(flt), "total": total, "rows": rows, "suppressed": 0, "truncated": false, "min_authors": 5}
}

func (f *fakeAPI) breakdown(req query.BreakdownRequest) any {
	keys := map[string][]string{"source": {"reddit", "forum", "appstore", "reviews"}, "lang": {"en", "de", "fr"}}[req.By]
	var rows []map[string]any
	for _, k := range keys {
		rows = append(rows, map[string]any{"key": k, "posts": 10 + int(300*val(req.Filter.Topics[0], k)), "authors": 10, "avg_sentiment": 0, "share": 0.25})
	}
	return map[string]any{"topic": req.Filter.Topics[0], "by": req.By, "period": period(req.Filter), "rows": rows, "suppressed": 0, "min_authors": 5}
}
