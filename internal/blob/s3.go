package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options name a bucket of an S3-compatible server.
type S3Options struct {
	Bucket   string
	Endpoint string // host:port
	Region   string // may be empty
	Secure   bool   // HTTPS
	// AccessKey and SecretKey are the credentials; both empty means
	// anonymous requests.
	AccessKey, SecretKey string
}

// S3 keeps each file as an object of one bucket, named by its key.
type S3 struct {
	client *minio.Client
	bucket string
}

// NewS3 returns the store of o.Bucket. It does not contact the server.
func NewS3(o S3Options) (*S3, error) {
	if o.Bucket == "" || o.Endpoint == "" {
		return nil, errors.New("blob: an s3 --blob-url needs a bucket and endpoint=host:port")
	}
	if (o.AccessKey == "") != (o.SecretKey == "") {
		return nil, errors.New("blob: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
	}
	c, err := minio.New(o.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure: o.Secure,
		Region: o.Region,
	})
	if err != nil {
		// minio's errors name the endpoint, never the credentials.
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	return &S3{client: c, bucket: o.Bucket}, nil
}

// Kind is "s3".
func (s *S3) Kind() string { return "s3" }

// Put uploads the object in one request: S3 objects appear whole.
func (s *S3) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("blob: s3 put: %w", err)
	}
	return nil
}

// Get downloads the object.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.readError(err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, MaxSize+1))
	if err != nil {
		return nil, s.readError(err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("blob: %q is larger than %d bytes", key, MaxSize)
	}
	return data, nil
}

func (s *S3) readError(err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return ErrNotFound
	}
	return fmt.Errorf("blob: s3 get: %w", err)
}

// Delete removes the object (S3 answers a missing one with success).
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil
		}
		return fmt.Errorf("blob: s3 delete: %w", err)
	}
	return nil
}
