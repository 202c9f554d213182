package openapicheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/pb33f/jsonschema/v6"
)

// docURL names the document inside the JSON Schema compiler, so that a
// schema anywhere in it is compiled as docURL#<JSON pointer> and its $refs
// (#/components/schemas/...) resolve within the document.
const docURL = "mem:///openapi.json"

// schemaCompiler compiles schemas of d by JSON pointer, once each.
type schemaCompiler struct {
	once     sync.Once
	err      error
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

var compilers sync.Map // *Doc → *schemaCompiler

func (d *Doc) schema(pointer string) (*jsonschema.Schema, error) {
	v, _ := compilers.LoadOrStore(d, &schemaCompiler{})
	sc := v.(*schemaCompiler)
	sc.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(d.raw))
		if err != nil {
			sc.err = err
			return
		}
		sc.compiler = jsonschema.NewCompiler()
		sc.compiler.DefaultDraft(jsonschema.Draft2020) // OpenAPI 3.1's dialect
		sc.compiler.AssertFormat()
		sc.err = sc.compiler.AddResource(docURL, doc)
		sc.compiled = map[string]*jsonschema.Schema{}
	})
	if sc.err != nil {
		return nil, sc.err
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if s, ok := sc.compiled[pointer]; ok {
		return s, nil
	}
	s, err := sc.compiler.Compile(docURL + "#" + fragment(pointer))
	if err != nil {
		return nil, err
	}
	sc.compiled[pointer] = s
	return s, nil
}

// fragment escapes a JSON pointer for use as a URL fragment.
func fragment(pointer string) string {
	return (&url.URL{Fragment: pointer}).EscapedFragment()
}

// validateSchema checks the JSON body against the schema at ref
// ("#/components/schemas/Problem").
func (d *Doc) validateSchema(ref string, body []byte) []string {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []string{fmt.Sprintf("body is not JSON (%v): %.200s", err, body)}
	}
	return d.validateValue(strings.TrimPrefix(ref, "#"), v)
}

func (d *Doc) validateValue(pointer string, v any) []string {
	s, err := d.schema(pointer)
	if err != nil {
		return []string{fmt.Sprintf("schema %s: %v", pointer, err)}
	}
	if err := s.Validate(v); err != nil {
		return []string{fmt.Sprintf("does not match %s: %v", pointer, err)}
	}
	return nil
}

// CheckExamples validates every example in the document against its
// schema: `example` and `examples` of media types, parameters and headers,
// and `examples` (and the older `example`) of schemas. It returns one line
// per example that does not match, naming where it is, and how many
// examples it checked.
func (d *Doc) CheckExamples() (checked int, problems []string) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(d.raw))
	dec.UseNumber() // examples keep their numbers exactly
	if err := dec.Decode(&doc); err != nil {
		return 0, []string{err.Error()}
	}
	w := &exampleWalker{d: d, root: doc}
	w.walk("", doc)
	return w.n, w.out
}

type exampleWalker struct {
	d    *Doc
	root any
	out  []string
	n    int // examples checked
}

func (w *exampleWalker) check(where, schemaPointer string, example any) {
	w.n++
	// Round-trip through JSON so numbers are what the schema library expects.
	b, _ := json.Marshal(example)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		w.out = append(w.out, fmt.Sprintf("%s: %v", where, err))
		return
	}
	for _, e := range w.d.validateValue(schemaPointer, v) {
		w.out = append(w.out, where+": "+e)
	}
}

// walk visits every object of the document; schema objects go to
// walkSchema, which knows where examples sit in a schema.
func (w *exampleWalker) walk(pointer string, node any) {
	switch n := node.(type) {
	case map[string]any:
		if schema, ok := n["schema"]; ok {
			sp := pointer + "/schema"
			if ex, ok := n["example"]; ok {
				w.check(pointer+"/example", sp, ex)
			}
			if exs, ok := n["examples"].(map[string]any); ok {
				for _, name := range sortedKeys(exs) {
					if value, ok := w.exampleValue(exs[name]); ok {
						w.check(pointer+"/examples/"+escape(name), sp, value)
					}
				}
			}
			w.walkSchema(sp, schema)
		}
		if pointer == "/components/schemas" {
			for _, name := range sortedKeys(n) {
				w.walkSchema(pointer+"/"+escape(name), n[name])
			}
			return
		}
		for _, k := range sortedKeys(n) {
			if k != "schema" && !(pointer == "/components" && k == "examples") {
				w.walk(pointer+"/"+escape(k), n[k])
			}
		}
	case []any:
		for i, x := range n {
			w.walk(fmt.Sprintf("%s/%d", pointer, i), x)
		}
	}
}

// exampleValue is an Example Object's value, following a $ref to
// #/components/examples.
func (w *exampleWalker) exampleValue(ex any) (any, bool) {
	m, ok := ex.(map[string]any)
	if !ok {
		return nil, false
	}
	if ref, ok := m["$ref"].(string); ok {
		var cur any = w.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			c, _ := cur.(map[string]any)
			cur = c[unescape(part)]
		}
		m, _ = cur.(map[string]any)
	}
	v, ok := m["value"]
	return v, ok
}

// schemaKeywords hold subschemas: a schema, a map of them or a list.
var (
	subschema     = []string{"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"}
	subschemaMaps = []string{"properties", "patternProperties", "$defs", "dependentSchemas"}
	subschemaList = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
)

func (w *exampleWalker) walkSchema(pointer string, node any) {
	s, ok := node.(map[string]any)
	if !ok {
		return
	}
	if exs, ok := s["examples"].([]any); ok {
		for i, ex := range exs {
			w.check(fmt.Sprintf("%s/examples/%d", pointer, i), pointer, ex)
		}
	}
	if ex, ok := s["example"]; ok {
		w.check(pointer+"/example", pointer, ex)
	}
	for _, k := range subschema {
		if x, ok := s[k]; ok {
			w.walkSchema(pointer+"/"+k, x)
		}
	}
	for _, k := range subschemaMaps {
		if m, ok := s[k].(map[string]any); ok {
			for _, name := range sortedKeys(m) {
				w.walkSchema(pointer+"/"+k+"/"+escape(name), m[name])
			}
		}
	}
	for _, k := range subschemaList {
		if l, ok := s[k].([]any); ok {
			for i, x := range l {
				w.walkSchema(fmt.Sprintf("%s/%s/%d", pointer, k, i), x)
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// escape and unescape a JSON pointer token (RFC 6901).
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
