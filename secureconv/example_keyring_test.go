package secureconv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/soapstack/soapstack/secureconv"
)

// The nodes of a farm watch one key ring file (ServerConfig.CookieKeys):
// an operator rotates the cookie key by editing the file, without
// restarting any node.
func ExampleWatchKeyRingFile() {
	dir, err := os.MkdirTemp("", "ring")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "session-keys.json")
	key1 := `{"id": 1, "secret": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}`
	key2 := `{"id": 2, "secret": "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=", "activate": "2026-12-01T12:00:00Z"}`
	write := func(keys string) {
		tmp := path + ".tmp" // written atomically: a file renamed over the old one
		err := os.WriteFile(tmp, []byte(`{"keys": [`+keys+`]}`), 0o600)
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			fmt.Println(err)
		}
	}
	write(key1)
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	src, err := secureconv.WatchKeyRingFile(path, secureconv.ReloadConfig{Interval: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = secureconv.ServerConfig{CookieKeys: src} // with the rest of the service's configuration

	write(key1 + "," + key2) // add key 2, sealing from 12:00
	now = now.Add(time.Minute)
	ring, _ := src.KeyRing(context.Background())
	fmt.Println("keys:", ring.KeyIDs())
	// Output:
	// keys: [1 2]
}
