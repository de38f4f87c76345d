//! A `commonplace serve` process and an HTTP client for it, shared by the serve tests and the
//! serve benchmark (`benches/serve.rs` includes this file).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `commonplace serve`, stopped when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// What the server printed before its `Serving` line (the first build's report).
    pub startup: Vec<String>,
    /// Everything the server printed after its `Serving` line, line by line.
    pub output: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `bin serve --port 0 EXTRA...` in the site's folder, as a user would, and waits
    /// (up to `wait`) for it to print the address it listens on, which it does after the first
    /// build.
    pub fn start(bin: &str, root: &Path, extra: &[&str], wait: Duration) -> Server {
        let mut child = Command::new(bin)
            .arg("serve")
            .args(["--port", "0"])
            .current_dir(root)
            .args(extra)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("Serving http://") {
                        let addr = rest.split('/').next().unwrap().to_string();
                        return Server {
                            child,
                            addr,
                            startup: seen,
                            output: rx,
                        };
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("serve did not start; it printed:\n{}", seen.join("\n"));
                }
            }
        }
    }

    /// Waits for the server to print a line starting with `prefix` and returns it, skipping
    /// others; panics after `wait`.
    pub fn line(&self, prefix: &str, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(line) => skipped.push(line),
                Err(_) => panic!("serve printed no `{prefix}` line; it printed {skipped:?}"),
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GETs a path; returns the status and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let response = agent
            .get(&self.url(path))
            .call()
            .expect("the request is answered");
        let status = response.status().as_u16();
        let body = response.into_body().read_to_string().unwrap_or_default();
        (status, body)
    }

    /// Sends a request line exactly as given (no client normalizes it), and returns the
    /// status code of the answer.
    pub fn raw_status(&self, target: &str) -> u16 {
        self.raw_request("GET", target)
    }

    /// Like [`Server::raw_status`], with another method.
    pub fn raw_request(&self, method: &str, target: &str) -> u16 {
        self.request_as(&self.addr, method, target)
    }

    /// The status of a GET that names the server as `host` in its `Host` header.
    #[allow(dead_code)] // Not every includer of this file asks.
    pub fn status_with_host(&self, host: &str, target: &str) -> u16 {
        self.request_as(host, "GET", target)
    }

    fn request_as(&self, host: &str, method: &str, target: &str) -> u16 {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {answer:?}"))
    }

    /// Connects to the reload events.
    pub fn events(&self) -> Events {
        let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
        let response = agent
            .get(&self.url("/_commonplace/events"))
            .call()
            .expect("the events stream opens");
        let reader = response.into_body().into_reader();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut event = String::new();
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                if let Some(name) = line.strip_prefix("event: ") {
                    event = name.to_string();
                } else if let Some(data) = line.strip_prefix("data: ") {
                    if tx.send((event.clone(), data.to_string())).is_err() {
                        break;
                    }
                }
            }
        });
        Events { rx }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server-sent events of one connection, as (event, data).
pub struct Events {
    rx: mpsc::Receiver<(String, String)>,
}

impl Events {
    /// The next event, or `None` after `wait` without one.
    pub fn next(&self, wait: Duration) -> Option<(String, String)> {
        self.rx.recv_timeout(wait).ok()
    }

    /// Waits for an event that `wanted` accepts, skipping others; panics after `wait`.
    pub fn wait_for(
        &self,
        wait: Duration,
        what: &str,
        wanted: impl Fn(&str, &str) -> bool,
    ) -> (String, String) {
        let deadline = Instant::now() + wait;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((event, data)) if wanted(&event, &data) => return (event, data),
                Ok(other) => skipped.push(other),
                Err(_) => panic!("no {what} within {wait:?}; got {skipped:?}"),
            }
        }
    }
}
