package storage

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gorm.io/gorm/schema"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// leadColumn is one column of the leads table as the claim reads it: the
// field it fills, whether it may be NULL and whether it holds JSON (the
// model's serializer:json fields).
type leadColumn struct {
	name     string
	index    []int
	nullable bool
	json     bool
	// zeroDefault is set when the column's default is its zero value, so
	// that an INSERT may leave it out of a lead that does not set it.
	zeroDefault bool
}

// leadColumns lists the columns of lead.Lead once, in the model's order, so
// that claims scan rows straight into the struct, and new leads are
// written, instead of through gorm's reflection on every row.
var leadColumns = sync.OnceValues(func() ([]leadColumn, error) {
	sch, err := schema.Parse(&lead.Lead{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		return nil, fmt.Errorf("reading the lead model: %w", err)
	}
	var cols []leadColumn
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue
		}
		cols = append(cols, leadColumn{name: f.DBName, index: f.StructField.Index,
			nullable: !f.NotNull && !f.PrimaryKey, json: f.Serializer != nil, zeroDefault: zeroDefault(f)})
	}
	return cols, nil
})

// zeroDefault reports whether f's column defaults to its zero value.
func zeroDefault(f *schema.Field) bool {
	return f.HasDefaultValue && f.Serializer == nil && f.DefaultValueInterface != nil &&
		reflect.ValueOf(f.DefaultValueInterface).IsZero()
}

// leadSelect is "SELECT `id`, `status`, … FROM `leads` ".
var leadSelect = sync.OnceValues(func() (string, error) {
	cols, err := leadColumns()
	if err != nil {
		return "", err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = "`" + c.name + "`"
	}
	return "SELECT " + strings.Join(names, ", ") + " FROM `leads` ", nil
})

// scanLeads reads every row of a query that selected leadSelect's columns.
func scanLeads(rows *sql.Rows) ([]lead.Lead, error) {
	cols, err := leadColumns()
	if err != nil {
		return nil, err
	}
	var out []lead.Lead
	dest := make([]any, len(cols))
	for rows.Next() {
		out = append(out, lead.Lead{})
		if err := scanLead(rows, cols, dest, &out[len(out)-1]); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// scanLead scans the current row into l. A NULL leaves its field zero, and
// a JSON column is decoded into its field.
func scanLead(rows *sql.Rows, cols []leadColumn, dest []any, l *lead.Lead) error {
	v := reflect.ValueOf(l).Elem()
	for i, c := range cols {
		f := v.FieldByIndex(c.index)
		switch {
		case c.json:
			dest[i] = new(sql.RawBytes)
		case c.nullable:
			dest[i] = reflect.New(f.Addr().Type()).Interface()
		default:
			dest[i] = f.Addr().Interface()
		}
	}
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("reading a lead: %w", err)
	}
	for i, c := range cols {
		f := v.FieldByIndex(c.index)
		switch {
		case c.json:
			if b := *dest[i].(*sql.RawBytes); len(b) > 0 {
				if err := json.Unmarshal(b, f.Addr().Interface()); err != nil {
					return fmt.Errorf("reading column %s of lead %d: %w", c.name, l.ID, err)
				}
			}
		case c.nullable:
			if p := reflect.ValueOf(dest[i]).Elem(); !p.IsNil() {
				f.Set(p.Elem())
			}
		}
	}
	return nil
}
