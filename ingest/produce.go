package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/post"
)

// ProduceOptions configures Produce.
type ProduceOptions struct {
	// Format is "jsonl" (default) or "csv".
	Format string
	// BatchSize is the number of records per WriteMessages call (default 1000).
	BatchSize int
	// SendInvalid publishes rejected records too (they still count as
	// rejected), to demonstrate the dead-letter path.
	SendInvalid bool
	// OnReject, when set, is called for every rejected record with its
	// 1-based line number.
	OnReject func(line int, err *RejectError)
	// OnProgress, when set, is called after every acknowledged batch.
	OnProgress func(ProduceStats)
}

// ProduceStats counts what Produce did.
type ProduceStats struct {
	Records  int // records read (blank lines excluded)
	Sent     int // records acknowledged by Kafka
	Rejected int // records that failed validation
	Bytes    int64
}

// RawKey is the Kafka key of a raw record: source and id joined by a NUL
// byte, so repeats of one post land in one posts.raw partition. The
// keyed post_id is computed by ingest.
func RawKey(source, id string) []byte {
	k := make([]byte, 0, len(source)+1+len(id))
	k = append(k, source...)
	k = append(k, 0)
	return append(k, id...)
}

// Produce reads records from r, validates each exactly as the ingest stage
// would (prep.Prepare), and publishes the original bytes of valid records
// (JSONL) or their schema-v1 JSON (CSV) to w in batches. It blocks until
// every batch is acknowledged, r is exhausted or ctx is done. Invalid
// records are reported through opts.OnReject and skipped unless
// opts.SendInvalid. The returned error is an I/O or Kafka error, never a
// validation failure.
func Produce(ctx context.Context, r io.Reader, w Writer, prep *Preparer, opts ProduceOptions) (ProduceStats, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	var st ProduceStats
	batch := make([]kafka.Message, 0, opts.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			return fmt.Errorf("ingest: produce: %w", err)
		}
		st.Sent += len(batch)
		batch = batch[:0]
		if opts.OnProgress != nil {
			opts.OnProgress(st)
		}
		return nil
	}
	handle := func(line int, value []byte, p post.Post, decoded bool) error {
		st.Records++
		st.Bytes += int64(len(value))
		var err error
		if !decoded {
			p, err = prep.Decode(value)
		}
		if err == nil {
			_, err = prep.PreparePost(p)
		}
		if err != nil {
			st.Rejected++
			var re *RejectError
			if !errors.As(err, &re) {
				re = reject(ReasonMalformedJSON, "", err.Error())
			}
			if opts.OnReject != nil {
				opts.OnReject(line, re)
			}
			if !opts.SendInvalid {
				return nil
			}
		}
		batch = append(batch, kafka.Message{Key: RawKey(p.Source, p.ID), Value: bytes.Clone(value)})
		if len(batch) >= opts.BatchSize {
			return flush()
		}
		return nil
	}
	var err error
	switch opts.Format {
	case "", "jsonl", "ndjson":
		err = readJSONL(ctx, r, prep.cfg.MaxRecordBytes, func(line int, b []byte) error {
			return handle(line, b, post.Post{}, false)
		}, func(line int, re *RejectError) {
			st.Records++
			st.Rejected++
			if opts.OnReject != nil {
				opts.OnReject(line, re)
			}
		})
	case "csv":
		err = readCSV(ctx, r, func(line int, p post.Post, perr *RejectError) error {
			if perr != nil {
				st.Records++
				st.Rejected++
				if opts.OnReject != nil {
					opts.OnReject(line, perr)
				}
				return nil
			}
			b, merr := json.Marshal(p)
			if merr != nil {
				return fmt.Errorf("ingest: encode csv line %d: %w", line, merr)
			}
			return handle(line, b, p, true)
		})
	default:
		return st, fmt.Errorf("ingest: format %q: allowed: jsonl, csv", opts.Format)
	}
	if err != nil {
		return st, err
	}
	return st, flush()
}

// readJSONL calls fn for every non-blank line (without its newline) and
// tooLong for lines over maxLine bytes, which it skips.
func readJSONL(ctx context.Context, r io.Reader, maxLine int, fn func(line int, b []byte) error, tooLong func(line int, re *RejectError)) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var buf []byte
	line := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf = buf[:0]
		over := false
		var rerr error
		for {
			chunk, err := br.ReadSlice('\n')
			if !over {
				if len(buf)+len(chunk) > maxLine+2 {
					over = true
					buf = buf[:0]
				} else {
					buf = append(buf, chunk...)
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			rerr = err
			break
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("ingest: read input: %w", rerr)
		}
		if len(buf) == 0 && !over && errors.Is(rerr, io.EOF) {
			return nil
		}
		line++
		if over {
			tooLong(line, reject(ReasonRecordTooLarge, "", fmt.Sprintf("line longer than %d bytes", maxLine)))
		} else if b := bytes.TrimRight(buf, "\r\n"); len(bytes.TrimSpace(b)) > 0 {
			if err := fn(line, b); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
	}
}

// csvColumns are the CSV header names; "meta.KEY" columns fill meta.
var csvColumns = map[string]bool{"schema_version": true, "id": true, "source": true, "text": true, "created_at": true, "lang": true, "author": true, "url": true}

// readCSV reads a CSV file with a header row naming schema v1 fields (and
// meta.KEY columns) and calls fn for every row.
func readCSV(ctx context.Context, r io.Reader, fn func(line int, p post.Post, err *RejectError) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("ingest: csv header: %w", err)
	}
	cols := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !csvColumns[h] && !(strings.HasPrefix(h, "meta.") && len(h) > 5) {
			return fmt.Errorf("ingest: csv header: unknown column %q (want schema v1 fields or meta.KEY)", h)
		}
		cols[i] = h
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if ferr := fn(pe.StartLine, post.Post{}, reject(ReasonMalformedJSON, "", "malformed CSV row: "+pe.Err.Error())); ferr != nil {
					return ferr
				}
				continue
			}
			return fmt.Errorf("ingest: read csv: %w", err)
		}
		if len(rec) != len(cols) {
			if ferr := fn(line, post.Post{}, reject(ReasonMalformedJSON, "", fmt.Sprintf("row has %d fields, header has %d", len(rec), len(cols)))); ferr != nil {
				return ferr
			}
			continue
		}
		p, rerr := csvPost(cols, rec)
		if ferr := fn(line, p, rerr); ferr != nil {
			return ferr
		}
	}
}

func csvPost(cols, rec []string) (post.Post, *RejectError) {
	var p post.Post
	for i, c := range cols {
		v := rec[i]
		switch c {
		case "schema_version":
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return p, reject(ReasonWrongType, c, "want the integer 1")
			}
			p.SchemaVersion = n
		case "id":
			p.ID = v
		case "source":
			p.Source = v
		case "text":
			p.Text = v
		case "created_at":
			if v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return p, reject(ReasonInvalidCreatedAt, c, "want an RFC 3339 timestamp such as 2025-03-01T12:00:00Z")
			}
			p.CreatedAt = t
		case "lang":
			p.Lang = v
		case "author":
			p.Author = v
		case "url":
			p.URL = v
		default:
			if v == "" {
				continue
			}
			if p.Meta == nil {
				p.Meta = map[string]string{}
			}
			p.Meta[strings.TrimPrefix(c, "meta.")] = v
		}
	}
	return p, nil
}
