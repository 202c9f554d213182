package auth

import (
	"crypto/rand"
	"math/big"
)

var adjectives = []string{
	"Quiet", "Calm", "Steady", "Gentle", "Bright", "Patient", "Curious", "Kind",
	"Focused", "Mellow", "Brave", "Clever", "Cozy", "Daring", "Eager", "Fair",
	"Golden", "Humble", "Jolly", "Lucky", "Merry", "Nimble", "Plucky", "Serene",
	"Sunny", "Swift", "Tidy", "Warm", "Wise", "Witty", "Zesty", "Amber",
}

var animals = []string{
	"Heron", "Otter", "Fox", "Owl", "Badger", "Panda", "Koala", "Finch",
	"Robin", "Hare", "Lynx", "Seal", "Wren", "Crane", "Moth", "Newt",
	"Puffin", "Raven", "Sparrow", "Turtle", "Whale", "Yak", "Zebra", "Beaver",
	"Dolphin", "Falcon", "Gecko", "Ibis", "Lemur", "Marten", "Quail", "Stoat",
}

// RandomName returns a friendly generated display name such as "Quiet Heron".
func RandomName() string {
	return pick(adjectives) + " " + pick(animals)
}

func pick(words []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	if err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return words[n.Int64()]
}
