package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

func strp(s string) *string { return &s }

func sampleRoom() model.Room {
	return model.Room{
		ID: "r1", Name: "Deep Work", Description: strp("quiet"), Category: "deep-work",
		MaxCapacity: 8, CurrentCapacity: 3, MicPolicy: "muted", IsActive: true,
		CreatedBy: strp("u1"), CreatedAt: time.Date(2026, 12, 3, 10, 0, 0, 123_000_000, time.UTC),
		TimerControl: model.TimerOwner, Cycle: &model.Cycle{Work: 50, Break: 10},
	}
}

// changed returns r with its field i set to another value, or fails the
// test for a field type it cannot change: a field added to model.Room then
// fails here until the page cache compares it too.
func changed(t *testing.T, r model.Room, i int) model.Room {
	t.Helper()
	v := reflect.ValueOf(&r).Elem()
	f := v.Field(i)
	switch x := f.Interface().(type) {
	case string:
		f.SetString(x + "x")
	case *string:
		if x == nil {
			f.Set(reflect.ValueOf(strp("")))
		} else {
			f.Set(reflect.ValueOf(strp(*x + "x")))
		}
	case int:
		f.SetInt(int64(x + 1))
	case bool:
		f.SetBool(!x)
	case time.Time:
		f.Set(reflect.ValueOf(x.Add(time.Millisecond)))
	case *model.Cycle:
		if x == nil {
			f.Set(reflect.ValueOf(&model.Cycle{Work: 25, Break: 5}))
		} else {
			f.Set(reflect.ValueOf(&model.Cycle{Work: x.Work, Break: x.Break + 1}))
		}
	default:
		t.Fatalf("model.Room.%s is a %T: make pageCache compare it, then teach this test to change it",
			v.Type().Field(i).Name, x)
	}
	return r
}

// The page cache reuses an encoding exactly when the rooms have the same
// values: fresh strings and another time.Location do not matter, any
// changed field (nil or not included) does, and so does a string it was
// made from being changed in place.
func TestPageCacheComparesRoomsByValue(t *testing.T) {
	key := pageKey{limit: 20}
	body := []byte(`{"rooms":[]}`)

	t.Run("same values, fresh pointers and another location", func(t *testing.T) {
		var c pageCache
		c.put(key, []model.Room{sampleRoom()}, "", body)
		again := sampleRoom() // new Description and CreatedBy pointers
		again.CreatedAt = again.CreatedAt.In(time.FixedZone("UTC+5", 5*3600))
		if got, ok := c.get(key, []model.Room{again}, ""); !ok || string(got) != string(body) {
			t.Fatalf("get = %q, %v; want the kept body", got, ok)
		}
	})

	fields := reflect.TypeFor[model.Room]().NumField()
	for i := range fields {
		name := reflect.TypeFor[model.Room]().Field(i).Name
		t.Run("changed "+name, func(t *testing.T) {
			var c pageCache
			c.put(key, []model.Room{sampleRoom()}, "", body)
			if _, ok := c.get(key, []model.Room{changed(t, sampleRoom(), i)}, ""); ok {
				t.Fatalf("a room with another %s reused the kept body", name)
			}
		})
	}

	t.Run("nil description against an empty one", func(t *testing.T) {
		var c pageCache
		r := sampleRoom()
		r.Description = nil
		c.put(key, []model.Room{r}, "", body)
		r.Description = strp("")
		if _, ok := c.get(key, []model.Room{r}, ""); ok {
			t.Fatal(`a "" description reused the body encoded with null`)
		}
	})

	t.Run("no cycle against one", func(t *testing.T) {
		var c pageCache
		r := sampleRoom()
		r.Cycle = nil
		c.put(key, []model.Room{r}, "", body)
		if _, ok := c.get(key, []model.Room{sampleRoom()}, ""); ok {
			t.Fatal("a room with a cycle reused the body encoded with none")
		}
	})

	t.Run("string changed in place", func(t *testing.T) {
		var c pageCache
		r := sampleRoom()
		rooms := []model.Room{r}
		c.put(key, rooms, "", body)
		*r.Description = "loud" // same pointer, new value
		if _, ok := c.get(key, rooms, ""); ok {
			t.Fatal("the kept body was reused after the description it encodes changed")
		}
	})

	t.Run("other page", func(t *testing.T) {
		var c pageCache
		rooms := []model.Room{sampleRoom()}
		c.put(key, rooms, "", body)
		for _, tc := range []struct {
			what  string
			key   pageKey
			rooms []model.Room
			next  string
		}{
			{"another next cursor", key, rooms, "c2"},
			{"another limit", pageKey{limit: 10}, rooms, ""},
			{"another category", pageKey{category: "study", limit: 20}, rooms, ""},
			{"one room more", key, append(rooms[:1:1], sampleRoom()), ""},
			{"no rooms", key, nil, ""},
		} {
			if _, ok := c.get(tc.key, tc.rooms, tc.next); ok {
				t.Errorf("%s: reused the kept body", tc.what)
			}
		}
	})
}
