package anonymize

import (
	"strings"
)

// ---- IP addresses ----

// matchIPv4 matches a.b.c.d (each 0-255) with an optional :port or /prefix.
// It refuses a fifth dotted group (a version number like 1.2.3.4.5) and a
// match right after the words version, firmware, build or v.
func matchIPv4(s string, i int) int {
	j := i
	for part := 0; part < 4; part++ {
		k := j
		v := 0
		for k < len(s) && isDigit(s[k]) && k-j < 4 {
			v = v*10 + int(s[k]-'0')
			k++
		}
		if k == j || k-j > 3 || v > 255 {
			return i
		}
		j = k
		if part < 3 {
			if j >= len(s) || s[j] != '.' {
				return i
			}
			j++
		}
	}
	if j < len(s) && (isAlnum(s[j]) || (s[j] == '.' && j+1 < len(s) && isDigit(s[j+1]))) {
		return i
	}
	if precededByVersionWord(s, i) {
		return i
	}
	if j+1 < len(s) && (s[j] == ':' || s[j] == '/') && isDigit(s[j+1]) {
		k := j + 1
		for k < len(s) && isDigit(s[k]) && k-j <= 5 {
			k++
		}
		if boundaryAfter(s, k) {
			j = k
		}
	}
	return j
}

func precededByVersionWord(s string, i int) bool {
	w := prevWord(s, i)
	switch strings.ToLower(w) {
	case "version", "ver", "v", "firmware", "build", "release", "update", "ios", "android", "os":
		return true
	}
	return false
}

// prevWord returns the ASCII word just before position i, skipping spaces.
func prevWord(s string, i int) string {
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	k := j
	for k > 0 && isLetter(s[k-1]) {
		k--
	}
	return s[k:j]
}

// matchIPv6 matches a full (8 groups) or "::"-compressed IPv6 address.
func matchIPv6(s string, i int) int {
	j := i
	groups, colons, doubles := 0, 0, 0
	digitsInGroup := 0
	hasDigit := false
	for j < len(s) {
		if j-i > 45 { // longer than any IPv6 address
			return i
		}
		c := s[j]
		switch {
		case isHex(c):
			digitsInGroup++
			if digitsInGroup > 4 {
				return i
			}
			if isDigit(c) {
				hasDigit = true
			}
		case c == ':':
			if digitsInGroup > 0 {
				groups++
			}
			colons++
			if j+1 < len(s) && s[j+1] == ':' {
				doubles++
				colons++
				j++
			}
			digitsInGroup = 0
		default:
			goto done
		}
		j++
	}
done:
	if digitsInGroup > 0 {
		groups++
	}
	if j > i && s[j-1] == ':' && (j-2 < i || s[j-2] != ':') { // trailing single colon is punctuation
		j--
		colons--
	}
	if doubles > 1 || colons < 2 || groups == 0 || !hasDigit && groups < 3 {
		return i
	}
	if doubles == 0 && groups != 8 {
		return i
	}
	if doubles == 1 && groups > 7 {
		return i
	}
	if !boundaryAfter(s, j) && !(j < len(s) && s[j] == '.') {
		return i
	}
	return j
}

// ---- numbers: payment cards and phones ----

const maxGroups = 8

type numRun struct {
	plus   bool
	groups int
	ends   [maxGroups]int // end offset of each group
	lens   [maxGroups]int // digits in each group
	seps   [maxGroups]byte
	paren  [maxGroups]bool
	digits [maxGroups]int // cumulative digits up to and including group g
	lead   byte           // first digit
}

// scanNumber splits a run like "+44 (0)20 7946-0958" into digit groups.
func scanNumber(s string, i int) numRun {
	var r numRun
	j := i
	if s[j] == '+' {
		r.plus = true
		j++
	}
	total := 0
	var sep byte
	for r.groups < maxGroups && j < len(s) {
		paren := false
		if s[j] == '(' {
			paren = true
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j || k-j > 19 {
			break
		}
		if paren {
			if k >= len(s) || s[k] != ')' {
				break
			}
		}
		if r.groups == 0 {
			r.lead = s[j]
		}
		total += k - j
		g := r.groups
		r.lens[g] = k - j
		r.paren[g] = paren
		r.seps[g] = sep
		r.digits[g] = total
		if paren {
			k++
		}
		r.ends[g] = k
		r.groups++
		j = k
		// separator: one of " -.", or ") " already consumed; at most two chars ("- ", " -").
		if j >= len(s) {
			break
		}
		sep = 0
		n := j
		for n < len(s) && n-j < 2 && (s[n] == ' ' || s[n] == '-' || s[n] == '.') {
			if sep == 0 || s[n] != ' ' {
				sep = s[n]
			}
			n++
		}
		if n < len(s) && (isDigit(s[n]) || s[n] == '(') && (n > j || paren) {
			j = n
			if sep == 0 {
				sep = ')'
			}
			continue
		}
		break
	}
	return r
}

// matchNumber matches a payment card or phone number at i.
func matchNumber(s string, i int) (int, Kind) {
	switch prevByte(s, i) {
	case '$', '#', ',', '.', '/', '*', '^', '~', '=', '<', '>':
		return i, 0
	}
	if strings.HasSuffix(s[:i], "€") || strings.HasSuffix(s[:i], "£") || strings.HasSuffix(s[:i], "¥") {
		return i, 0
	}
	if s[i] == '(' && (i+1 >= len(s) || !isDigit(s[i+1])) {
		return i, 0
	}
	r := scanNumber(s, i)
	for g := r.groups - 1; g >= 0; g-- {
		end := r.ends[g]
		if !numberEndsCleanly(s, end) {
			continue
		}
		if !r.plus && isCard(s, i, end, &r, g) {
			return end, Card
		}
		if isPhone(&r, g) {
			return end, Phone
		}
	}
	return i, 0
}

func prevByte(s string, i int) byte {
	if i == 0 {
		return 0
	}
	return s[i-1]
}

// numberEndsCleanly refuses numbers followed by a letter, digit, %, or a
// decimal/thousands separator followed by a digit (prices, percentages).
func numberEndsCleanly(s string, end int) bool {
	if end >= len(s) {
		return true
	}
	c := s[end]
	if isAlnum(c) || c == '%' || c == '_' {
		return false
	}
	if (c == '.' || c == ',' || c == ':' || c == '/' || c == '-') && end+1 < len(s) && isDigit(s[end+1]) {
		return false
	}
	return true
}

func isCard(s string, start, end int, r *numRun, g int) bool {
	n := r.digits[g]
	if n < 13 || n > 19 {
		return false
	}
	var sep byte
	for k := 0; k <= g; k++ {
		if r.paren[k] {
			return false
		}
		if k > 0 {
			if r.seps[k] != ' ' && r.seps[k] != '-' {
				return false
			}
			if sep != 0 && r.seps[k] != sep {
				return false
			}
			sep = r.seps[k]
		}
	}
	return luhn(s[start:end])
}

// luhn checks the Luhn checksum of the digits in s.
func luhn(s string) bool {
	sum, double := 0, false
	for k := len(s) - 1; k >= 0; k-- {
		c := s[k]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// isPhone decides whether groups 0..g of r form a phone number.
func isPhone(r *numRun, g int) bool {
	n := r.digits[g]
	dots := 0
	for k := 1; k <= g; k++ {
		if r.seps[k] == '.' {
			dots++
		}
	}
	if r.plus {
		// E.164: country code (1-3 digits) + subscriber, 8-15 digits in all.
		if n < 8 || n > 15 {
			return false
		}
		if g == 0 {
			return true
		}
		return r.lens[0] <= 4
	}
	// Parenthesised area code: (555) 123-4567, (020) 7946 0958.
	if r.paren[0] && g >= 1 {
		if n == 10 && r.lens[0] == 3 {
			return true
		}
		return n >= 9 && n <= 12
	}
	for k := 0; k <= g; k++ {
		if r.paren[k] {
			return false
		}
	}
	lens := r.lens[:g+1]
	switch {
	case g == 0:
		// Contiguous: NANP 10 digits (area code 2-9), 1 + 10 digits, or a
		// trunk-prefixed national number (0 + 9-10 digits).
		switch {
		case r.lead == '0':
			return n == 10 || n == 11
		case n == 10:
			return r.lead >= '2'
		case n == 11:
			return r.lead == '1'
		}
		return false
	case n == 10 && eqLens(lens, 3, 3, 4):
		return true
	case n == 11 && eqLens(lens, 1, 3, 3, 4):
		return true
	case n == 10 && eqLens(lens, 3, 7):
		return dots == 0
	}
	if dots > 0 {
		return false
	}
	// National formats with a trunk 0: 020 7946 0958, 07700 900123,
	// 06 12 34 56 78, 030 1234567.
	if r.leadsWithZero() && n >= 9 && n <= 12 {
		for _, l := range lens {
			if l < 2 || l > 8 {
				return false
			}
		}
		return true
	}
	return false
}

func (r *numRun) leadsWithZero() bool { return r.lead == '0' }

func eqLens(lens []int, want ...int) bool {
	if len(lens) != len(want) {
		return false
	}
	for k := range lens {
		if lens[k] != want[k] {
			return false
		}
	}
	return true
}
