//! Helpers for the tests of `journeysim serve`: start the binary on a free loopback port, talk
//! HTTP/1.1 to it over a plain socket (no client library: the requests are simple, and a bad
//! one can be sent as bytes), and stop it with an interrupt as a person would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

/// A running `journeysim serve`; stopped (SIGINT, then killed) when dropped.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    stderr: Option<ChildStderr>,
}

impl Server {
    /// Starts `journeysim serve ARGS` (add `--port 0`) and waits for the URL it prints.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("journeysim"))
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let stderr = child.stderr.take();
        if line.is_empty() {
            let mut text = String::new();
            stderr.unwrap().read_to_string(&mut text).unwrap();
            panic!("serve {args:?} did not start: {text}");
        }
        Server {
            child: Some(child),
            url: line.trim().to_owned(),
            stderr,
        }
    }

    /// `host:port`.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://").trim_end_matches('/')
    }

    /// Sends one request and returns the status and the body.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        request(self.address(), method, path, body)
    }

    /// `GET path`, which must answer 200 with JSON.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.request("GET", path, b"");
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// `POST path` with `body`, which must answer 200 with JSON.
    pub fn post_json(&self, path: &str, body: &[u8]) -> serde_json::Value {
        let (status, text) = self.request("POST", path, body);
        assert_eq!(status, 200, "POST {path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Interrupts the server (Ctrl-C) and returns its exit status and standard error.
    pub fn interrupt(mut self) -> (std::process::ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        interrupt(&child);
        let status = child.wait().unwrap();
        let mut text = String::new();
        self.stderr
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        (status, text)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            interrupt(&child);
            std::thread::sleep(Duration::from_millis(200));
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn interrupt(child: &Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
}

/// One HTTP/1.1 request to `address` on a new connection; the status and the (de-chunked) body.
/// A server may answer before it has read a long body and close: the answer is still read.
pub fn request(address: &str, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    (
        status,
        if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    )
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
