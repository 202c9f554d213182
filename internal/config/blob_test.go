package config

import (
	"bytes"
	"testing"
)

func TestBlobURLAndAvatarUploads(t *testing.T) {
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.BlobURL != "" || c.AvatarUploads {
		t.Errorf("defaults: blob URL %q, uploads %v; want none and off", c.BlobURL, c.AvatarUploads)
	}
	c, err = Parse(nil, env(map[string]string{"BODYDOUBLE_BLOB_URL": "s3://b?endpoint=s3:9000", "BODYDOUBLE_AVATAR_UPLOADS": "true"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.BlobURL != "s3://b?endpoint=s3:9000" || !c.AvatarUploads {
		t.Errorf("from the environment: %q, %v", c.BlobURL, c.AvatarUploads)
	}
	c, err = Parse([]string{"--avatar-uploads=false", "--blob-url", "file:///srv/blobs"}, env(map[string]string{"BODYDOUBLE_AVATAR_UPLOADS": "true"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.BlobURL != "file:///srv/blobs" || c.AvatarUploads {
		t.Errorf("flags over the environment: %q, %v", c.BlobURL, c.AvatarUploads)
	}
	if _, err := Parse(nil, env(map[string]string{"BODYDOUBLE_AVATAR_UPLOADS": "perhaps"}), &bytes.Buffer{}); err == nil {
		t.Error("BODYDOUBLE_AVATAR_UPLOADS=perhaps accepted")
	}
}
