package lossy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/soapstack/soapstack/internal/lossy"
)

// A proxy in front of a service: the first request is lost, the second
// one's response, the third goes through; then the seeded random rules
// (here: none) decide.
func ExampleNew() {
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	}))
	defer svc.Close()
	p, err := lossy.New(lossy.Config{Target: svc.URL, Seed: 1,
		Script: []lossy.Decision{{DropRequest: true}, {DropResponse: true}}})
	if err != nil {
		panic(err)
	}
	link := httptest.NewServer(p)
	defer link.Close()
	defer p.Close()

	for i := 1; i <= 3; i++ {
		resp, err := http.Post(link.URL, "text/plain", strings.NewReader(fmt.Sprint("message ", i)))
		if err != nil {
			fmt.Printf("%d: lost (the connection was closed)\n", i)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d: %s\n", i, b)
	}
	fmt.Println(p.Stats())
	// Output:
	// 1: lost (the connection was closed)
	// 2: lost (the connection was closed)
	// 3: message 3
	// requests 3 (passed 0), dropped 1 requests and 1 responses, duplicated 0, reordered 0, rejected 0, failed 0
}
