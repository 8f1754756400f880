// Package chart draws small, self-contained SVG charts on the server, with
// no JavaScript and no external fonts or files: a line chart for daily
// series and a paired bar chart for this-week-versus-last-week values. The
// weekly report inlines them in HTML, writes them beside Markdown and prints
// them into PDF; the dashboards can serve the same SVG.
//
// Every text that comes from data is XML-escaped. Output is deterministic
// (the same input gives the same bytes), which keeps golden tests stable.
package chart

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Palette is the default series colors (colour-blind safe, Okabe-Ito).
var Palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"}

// Series is one named line.
type Series struct {
	Name   string
	Values []float64 // one per label; NaN leaves a gap
	Color  string    // empty means the palette
}

// Line is a line chart over categorical x labels (for example days).
type Line struct {
	Title  string
	Labels []string
	Series []Series
	// Width and Height in pixels; zero means 640×220.
	Width, Height int
	// YFormat formats axis ticks; nil means a compact number.
	YFormat func(float64) string
	// ZeroBased forces the y axis to include 0 (default for counts).
	ZeroBased bool
	// Mark shades the label range [MarkFrom, MarkTo) (for example the report
	// week); MarkTo 0 means no shading.
	MarkFrom, MarkTo int
}

const (
	marginL = 48
	marginR = 12
	marginT = 28
	marginB = 40
)

// SVG returns the chart as a standalone <svg> element.
func (c Line) SVG() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 640
	}
	if h == 0 {
		h = 220
	}
	yfmt := c.YFormat
	if yfmt == nil {
		yfmt = Compact
	}
	var b strings.Builder
	open(&b, w, h, c.Title)
	pw, ph := float64(w-marginL-marginR), float64(h-marginT-marginB)
	lo, hi := c.bounds()
	ticks := niceTicks(lo, hi, 4)
	lo, hi = ticks[0], ticks[len(ticks)-1]
	n := len(c.Labels)
	x := func(i int) float64 {
		if n <= 1 {
			return marginL + pw/2
		}
		return marginL + pw*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 { return marginT + ph - (v-lo)/(hi-lo)*ph }
	if c.MarkTo > c.MarkFrom && n > 1 {
		x0, x1 := x(clamp(c.MarkFrom, 0, n-1)), x(clamp(c.MarkTo-1, 0, n-1))
		fmt.Fprintf(&b, `<rect x="%s" y="%d" width="%s" height="%s" fill="#f2f5f9"/>`, f(x0), marginT, f(math.Max(x1-x0, 1)), f(ph))
	}
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="#e3e6ea"/>`, marginL, w-marginR, f(y(t)), f(y(t)))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" class="t">%s</text>`, marginL-6, f(y(t)+4), esc(yfmt(t)))
	}
	step := max(1, (n+6)/7)
	for i, l := range c.Labels {
		if i%step != 0 && i != n-1 {
			continue
		}
		anchor := "middle"
		if i == n-1 && n > 1 {
			anchor = "end"
		} else if i == 0 && n > 1 {
			anchor = "start"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="%s" class="t">%s</text>`, f(x(i)), h-marginB+16, anchor, esc(l))
	}
	for si, s := range c.Series {
		col := color(s.Color, si)
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, col, strings.Join(pts, " "))
			} else if len(pts) == 1 {
				xy := strings.Split(pts[0], ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`, xy[0], xy[1], col)
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if i >= n {
				break
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				flush()
				continue
			}
			pts = append(pts, f(x(i))+","+f(y(v)))
		}
		flush()
	}
	legend(&b, c.Series, marginL, h-8)
	b.WriteString("</svg>")
	return b.String()
}

func (c Line) bounds() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	if c.ZeroBased {
		lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi
}

// Bar is one category with this period's and the previous period's value.
type Bar struct {
	Label    string
	Value    float64
	Previous float64
	// Highlight draws the bar in the accent color (for example a
	// significant mover).
	Highlight bool
}

// Bars is a horizontal paired bar chart: each category shows this period
// (solid) over the previous period (light).
type Bars struct {
	Title string
	Items []Bar
	// Width in pixels; zero means 640. The height follows the items.
	Width int
	// Format formats values; nil means Compact.
	Format func(float64) string
	// CurrentName and PreviousName label the legend ("This week", "Last
	// week" by default).
	CurrentName, PreviousName string
}

// SVG returns the chart as a standalone <svg> element.
func (c Bars) SVG() string {
	w := c.Width
	if w == 0 {
		w = 640
	}
	format := c.Format
	if format == nil {
		format = Compact
	}
	cur, prev := c.CurrentName, c.PreviousName
	if cur == "" {
		cur = "This week"
	}
	if prev == "" {
		prev = "Last week"
	}
	const rowH, labelW, top = 30, 130, 28
	h := top + rowH*len(c.Items) + 30
	var b strings.Builder
	open(&b, w, h, c.Title)
	maxV := 0.0
	for _, it := range c.Items {
		maxV = math.Max(maxV, math.Max(it.Value, it.Previous))
	}
	if maxV <= 0 {
		maxV = 1
	}
	pw := float64(w - labelW - 70)
	for i, it := range c.Items {
		y0 := top + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" class="l">%s</text>`, labelW-8, y0+15, esc(it.Label))
		col := Palette[0]
		if it.Highlight {
			col = Palette[1]
		}
		wc := pw * math.Max(it.Value, 0) / maxV
		wp := pw * math.Max(it.Previous, 0) / maxV
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%s" height="13" fill="%s"/>`, labelW, y0+3, f(wc), col)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%s" height="7" fill="#b9c3cf"/>`, labelW, y0+18, f(wp))
		fmt.Fprintf(&b, `<text x="%s" y="%d" class="t">%s</text>`, f(float64(labelW)+wc+5), y0+14, esc(format(it.Value)))
	}
	legend(&b, []Series{{Name: cur, Color: Palette[0]}, {Name: prev, Color: "#b9c3cf"}}, labelW, h-8)
	b.WriteString("</svg>")
	return b.String()
}

func open(b *strings.Builder, w, h int, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" font-family="Helvetica, Arial, sans-serif">`, w, h, w, h)
	fmt.Fprintf(b, `<title>%s</title>`, esc(title))
	b.WriteString(`<style>.t{font-size:11px;fill:#5b6570}.l{font-size:12px;fill:#1f2a36}.h{font-size:13px;font-weight:bold;fill:#1f2a36}</style>`)
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#ffffff"/>`, w, h)
	if title != "" {
		fmt.Fprintf(b, `<text x="8" y="18" class="h">%s</text>`, esc(title))
	}
}

func legend(b *strings.Builder, series []Series, x, y int) {
	for i, s := range series {
		if s.Name == "" {
			continue
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/>`, x, y-9, color(s.Color, i))
		fmt.Fprintf(b, `<text x="%d" y="%d" class="t">%s</text>`, x+14, y, esc(s.Name))
		x += 24 + 7*len([]rune(s.Name))
	}
}

func color(c string, i int) string {
	if c != "" {
		return esc(c)
	}
	return Palette[i%len(Palette)]
}

func esc(s string) string { return html.EscapeString(s) }

func f(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// Compact formats a number briefly: 950, 1.2k, 3.4M.
func Compact(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "k"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a == math.Trunc(a):
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

// Percent formats a 0..1 share as a percentage.
func Percent(v float64) string { return strconv.FormatFloat(v*100, 'f', 0, 64) + "%" }

// niceTicks returns about n+1 round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	var step float64
	switch r := raw / mag; {
	case r <= 1:
		step = mag
	case r <= 2:
		step = 2 * mag
	case r <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	start := math.Floor(lo/step) * step
	end := math.Ceil(hi/step) * step
	var out []float64
	for v := start; v <= end+step/2; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	if len(out) < 2 {
		out = append(out, start+step)
	}
	return out
}
