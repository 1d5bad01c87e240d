package dashboards

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

// TestBrowserSignsInThroughTheProviderAndSeesWhatItsRoleAllows drives
// headless Chromium through the whole OpenID Connect code flow against a
// real provider: a page redirects to the provider, which sends the browser
// back to the callback, and the page shows. Signed out, the provider's
// next user has no mapped group: a viewer, refused /data with a page in
// English.
func TestBrowserSignsInThroughTheProviderAndSeesWhatItsRoleAllows(t *testing.T) {
	chrome := chromiumPath(t)
	db := hostileDB(t)
	op, app := startOIDCApp(t, db)
	ctx := newBrowser(t, chrome)

	op.QueueUser(&mockoidc.MockUser{Subject: "u-1", PreferredUsername: "cora", Groups: []string{"g-core"}})
	var loc, body string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(app.URL+"/sites/LYON?lang=en"),
		chromedp.WaitVisible("body", chromedp.ByQuery),
		chromedp.Location(&loc),
		chromedp.Text("body", &body, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(loc); u == nil || u.Path != "/sites/LYON" || !strings.Contains(body, "Alice") {
		t.Fatalf("the core team after sign-in is at %s and sees: %.300s", loc, body)
	}

	// Sign out with the page's own link, as a person would.
	if err := chromedp.Run(ctx,
		chromedp.Click("#sign-out", chromedp.ByID),
		chromedp.WaitVisible("body", chromedp.ByQuery),
		chromedp.Location(&loc),
	); err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(loc); u == nil || u.Path == "/sites/LYON" {
		t.Fatalf("the sign-out link left the browser at %s", loc)
	}
	// The provider's next user: no mapped group (mockoidc's default user).
	if err := chromedp.Run(ctx,
		chromedp.Navigate(app.URL+"/data?lang=en"),
		chromedp.WaitVisible("#error-message", chromedp.ByQuery),
		chromedp.Text("body", &body, chromedp.ByQuery),
		chromedp.Location(&loc),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Access denied") || !strings.Contains(loc, "/data") {
		t.Fatalf("a viewer on /data is at %s and sees: %.300s", loc, body)
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(app.URL+"/sites/LYON?lang=en"),
		chromedp.WaitVisible("body", chromedp.ByQuery),
		chromedp.Text("body", &body, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "Alice") {
		t.Errorf("a viewer sees LYON's ambassador by name: %.300s", body)
	}
}
