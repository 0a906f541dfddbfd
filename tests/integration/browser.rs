//! The web app and the report in a real browser: Debian's headless Chromium driven through
//! chromedriver (WebDriver, with `fantoccini`). `cargo test` cannot count on a browser, so these
//! tests are ignored there; `scripts/suites/browser.sh` installs Chromium and chromedriver when
//! missing and runs them (`cargo test --release --test integration -- --ignored browser::`).
//! Screenshots go to `target/browser/` to be looked at.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::web::Server;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const NEEDS_CHROMIUM: &str =
    "needs Debian's chromium and chromium-driver: scripts/suites/browser.sh";

/// A chromedriver on a free loopback port, with a browser profile and a download directory of
/// its own; stopped when dropped.
struct Browser {
    driver: Child,
    port: u16,
    profile: tempfile::TempDir,
    downloads: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: {NEEDS_CHROMIUM}"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Browser {
            driver,
            port,
            profile: tempfile::tempdir().unwrap(),
            downloads: tempfile::tempdir().unwrap(),
        }
    }

    /// A new headless Chromium session, logging the console and the network.
    async fn session(&self) -> Client {
        let options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                format!("--user-data-dir={}", self.profile.path().display()),
                "--window-size=1400,1000",
            ],
            "prefs": {
                "download.default_directory": self.downloads.path().display().to_string(),
                "download.prompt_for_download": false,
            },
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        capabilities.insert(
            "goog:loggingPrefs".into(),
            json!({"browser": "ALL", "performance": "ALL"}),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromedriver session")
    }
}

impl Drop for Browser {
    /// Stops chromedriver and any Chromium it started (a failed test never closes its session,
    /// and Chromium outlives a killed chromedriver): they are the processes using this profile.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let profile = format!("user-data-dir={}", self.profile.path().display());
        let _ = Command::new("pkill").args(["-f", &profile]).status();
    }
}

/// Chromium's log of one kind (`browser`: the console; `performance`: DevTools events).
#[derive(Debug)]
struct Log(&'static str);

impl WebDriverCompatibleCommand for Log {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": self.0 }).to_string()),
        )
    }
}

async fn log(client: &Client, kind: &'static str) -> Vec<Value> {
    let entries = client
        .issue_cmd(Log(kind))
        .await
        .expect("the browser's log");
    entries.as_array().cloned().unwrap_or_default()
}

/// The console's errors (and any uncaught exception) so far.
async fn console_errors(client: &Client) -> Vec<String> {
    log(client, "browser")
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Waits (up to 30 s) until `check` holds for the text of `selector`.
async fn wait_for_text(client: &Client, selector: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(element) = client.find(Locator::Css(selector)).await {
            let text = element.text().await.unwrap_or_default();
            if check(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "{selector} still says {text:?}");
        } else {
            assert!(Instant::now() < deadline, "no {selector}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn screenshot(client: &Client, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, client.screenshot().await.unwrap()).unwrap();
    path
}

/// `v` with `digits` significant digits, as JavaScript's `toPrecision` writes it.
fn significant(v: f64, digits: i32) -> String {
    let exponent = v.abs().log10().floor() as i32;
    format!("{:.*}", (digits - 1 - exponent).max(0) as usize, v)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The exact figures of `whatif` for a scenario file on the sample paths.
fn whatif_exact(scenario: &str) -> Value {
    let result = crate::support::json(&[
        "whatif",
        "data/sample_paths.csv",
        "--scenario",
        scenario,
        "--journeys",
        "1000",
        "--format",
        "json",
        "--quiet",
    ]);
    result["scenarios"][0].clone()
}

#[test]
#[ignore = "needs Debian's chromium and chromium-driver: scripts/suites/browser.sh"]
fn the_what_if_panel_shows_what_whatif_gives() {
    let server = Server::start(&["data/sample_paths.csv", "--port", "0"]);
    let browser = Browser::start();
    runtime().block_on(async {
        let client = browser.session().await;
        client.goto(&server.url).await.unwrap();
        wait_for_text(&client, "#status", |t| t.starts_with("no change yet")).await;
        screenshot(&client, "serve-loaded.png").await;

        // A touchpoint that never converts directly says why its conversion slider is off.
        let slider = client
            .find(Locator::Css(
                r#"tr[data-touchpoint="reviews_comparison"] input[id^="conversion-"]"#,
            ))
            .await
            .unwrap();
        assert!(!slider.is_enabled().await.unwrap());
        let row = client
            .find(Locator::Css(r#"tr[data-touchpoint="reviews_comparison"]"#))
            .await
            .unwrap();
        let text = row.text().await.unwrap();
        assert!(
            text.contains("reviews_comparison never converts directly"),
            "{text}"
        );

        // Checkout drop-out down 20%: twenty presses of the left arrow on its slider.
        let dropout = client
            .find(Locator::Css(
                r#"tr[data-touchpoint="checkout"] input[id^="dropout-"]"#,
            ))
            .await
            .unwrap();
        dropout.click().await.unwrap();
        let value = dropout.prop("value").await.unwrap().unwrap();
        let presses = value.parse::<i32>().unwrap() + 20;
        dropout
            .send_keys(&"\u{E012}".repeat(presses as usize))
            .await
            .unwrap();
        wait_for_text(&client, "#scenario-json", |t| t.contains("\"factor\": 0.8")).await;
        wait_for_text(&client, "#status", |t| t == "ready").await;
        let shown = wait_for_text(&client, "#scenario-conversion-probability", |t| {
            t.ends_with('%')
        })
        .await;

        let expected = whatif_exact("scenarios/checkout_abandonment.json");
        let p = expected["scenario"]["conversion_probability"]
            .as_f64()
            .unwrap();
        assert_eq!(shown, format!("{}%", significant(p * 100.0, 6)));
        let base = expected["baseline"]["conversion_probability"]
            .as_f64()
            .unwrap();
        let shown_base = client
            .find(Locator::Css("#baseline-conversion-probability"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(shown_base, format!("{}%", significant(base * 100.0, 6)));
        screenshot(&client, "serve-checkout-dropout-minus-20.png").await;

        // The downloaded scenario runs in `whatif` to the same numbers as the shipped file.
        client
            .find(Locator::Css("#download"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let file = browser.downloads.path().join("scenario.json");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !file.is_file() {
            assert!(Instant::now() < deadline, "no download");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let downloaded = whatif_exact(&file.display().to_string());
        // Every figure, simulated ones too (same chain, seed and journeys); only the name and
        // the file differ.
        for part in ["baseline", "scenario", "difference", "channels"] {
            assert_eq!(downloaded[part], expected[part], "{part}");
        }

        // Simulate adds intervals.
        let journeys = client.find(Locator::Css("#sim-journeys")).await.unwrap();
        journeys.clear().await.unwrap();
        journeys.send_keys("20000").await.unwrap();
        client
            .find(Locator::Css("#simulate"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_text(&client, "#status", |t| t == "simulated").await;
        let table = wait_for_text(&client, "#simulated", |t| t.contains("95%")).await;
        assert!(table.contains("Change in conversions"), "{table}");
        screenshot(&client, "serve-simulated.png").await;

        assert_eq!(console_errors(&client).await, Vec::<String>::new());
        client.close().await.unwrap();
    });
}

#[test]
#[ignore = "needs Debian's chromium and chromium-driver: scripts/suites/browser.sh"]
fn the_report_opens_with_no_network_request() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let out = crate::support::run(&[
        "report",
        "data/sample_paths.csv",
        "--stages",
        "scenarios/stages.json",
        "--scenario",
        "scenarios/checkout_abandonment.json",
        "--journeys",
        "20000",
        "--quiet",
        "--out",
        &report.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let browser = Browser::start();
    runtime().block_on(async {
        let client = browser.session().await;
        let address = format!("file://{}", report.display());
        client.goto(&address).await.unwrap();
        let title = client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!title.is_empty());
        // Every request the page made, from Chromium's own network log.
        let requests: Vec<(String, String)> = log(&client, "performance")
            .await
            .into_iter()
            .filter_map(|entry| {
                let message: Value = serde_json::from_str(entry["message"].as_str()?).ok()?;
                let message = &message["message"];
                (message["method"] == "Network.requestWillBeSent").then(|| {
                    (
                        message["params"]["documentURL"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        message["params"]["request"]["url"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
            })
            .collect();
        assert!(
            requests.iter().any(|(_, url)| url == &address),
            "the log holds the page's own load: {requests:?}"
        );
        // The page asks for nothing beyond itself; the browser's own new-tab page, shown before
        // the report, loads its parts from chrome:// and nothing else goes anywhere.
        for (document, url) in &requests {
            let allowed: &[&str] = if document == &address {
                &["file:", "data:", "about:", "blob:"]
            } else {
                &[
                    "file:",
                    "data:",
                    "about:",
                    "blob:",
                    "chrome:",
                    "chrome-untrusted:",
                ]
            };
            assert!(
                allowed.iter().any(|s| url.starts_with(s)),
                "{document} asked for {url}"
            );
        }
        screenshot(&client, "report.png").await;
        assert_eq!(console_errors(&client).await, Vec::<String>::new());
        client.close().await.unwrap();
    });
}
