//! The preview's HTTP server: the pages (from the preview folder only), the reload events, and
//! the search API.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::{broadcast, watch};
use tower::ServiceExt;

use super::preview::SharedSearch;
use crate::kind::Kind;
use crate::search::{QueryError, SearchRequest};

/// The longest query the API accepts, in bytes.
pub const MAX_QUERY_BYTES: usize = 1_000;
/// The most results one API call returns.
pub const MAX_LIMIT: usize = 100;
const MAX_CONCEPTS: usize = 16;

/// What open pages are told.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The site is good.
    Good,
    /// The content has errors (or the theme failed): one line each, as the terminal shows them.
    Problems(Vec<String>),
}

pub struct App {
    /// The preview folder, canonical, so a symlink out of it can be told apart.
    pub output: PathBuf,
    /// The site's base path (`/kb`, or empty): the config may change it while serving.
    pub base: Arc<std::sync::RwLock<String>>,
    /// Output files changed by each rebuild.
    pub reloads: broadcast::Sender<Vec<String>>,
    pub status: watch::Receiver<Status>,
    pub search: SharedSearch,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/_commonplace/events", get(events))
        .route("/_commonplace/live.js", get(live_script))
        .route(
            "/api/search",
            get(search)
                .fallback(|| async { json_error(StatusCode::METHOD_NOT_ALLOWED, "use GET") }),
        )
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async {
                json_error(StatusCode::NOT_FOUND, "no such API; there is /api/search")
            }),
        )
        .fallback(get(file))
        .layer(axum::middleware::from_fn(only_local_hosts))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            },
        ))
        .with_state(app)
}

/// Answers only requests that name the preview by `localhost` or an IP address. A web page
/// the user visits can point a name of its own at 127.0.0.1 (DNS rebinding) and then read the
/// preview, drafts included, as its own origin; such requests carry that name in `Host`.
/// Vite and webpack-dev-server check the host for the same reason.
async fn only_local_hosts(request: Request, next: axum::middleware::Next) -> Response {
    let host = request.headers().get(header::HOST).map(|h| h.to_str());
    match host {
        None => next.run(request).await,
        Some(Ok(host)) if is_local_host(host) => next.run(request).await,
        Some(host) => {
            let shown = host.unwrap_or("?");
            let message = format!(
                "This preview answers only localhost or an IP address, not `{}`; open it as \
                 http://localhost:PORT/ (a name that is not yours pointing here is how another \
                 web site could read your drafts).\n",
                crate::text::excerpt(shown, 80)
            );
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                message,
            )
                .into_response()
        }
    }
}

/// `localhost`, a name under `.localhost` (which resolves to the machine itself), or an IP
/// address, with or without a port.
pub fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:4000`
        Some(rest) => match rest.split_once(']') {
            Some((v6, port)) if port.is_empty() || port.starts_with(':') => {
                return v6.parse::<std::net::Ipv6Addr>().is_ok();
            }
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::Ipv4Addr>().is_ok()
}

async fn live_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        include_str!("live.js"),
    )
        .into_response()
}

/// Server-sent events: the site's status on connecting, then every change of it and every
/// rebuild's changed files.
async fn events(State(app): State<Arc<App>>) -> impl IntoResponse {
    let reloads = app.reloads.subscribe();
    let mut status = app.status.clone();
    let first = Some(status_event(&status.borrow_and_update()));
    let stream = futures_util::stream::unfold(
        (first, reloads, status),
        |(first, mut reloads, mut status)| async move {
            let event = match first {
                Some(event) => event,
                None => tokio::select! {
                    changed = reloads.recv() => match changed {
                        Ok(files) => Event::default()
                            .event("reload")
                            .data(serde_json::to_string(&files).expect("strings serialize")),
                        // A page that missed some rebuilds reloads, which is always right.
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            Event::default().event("reload").data("[\"*\"]")
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    moved = status.changed() => match moved {
                        Ok(()) => status_event(&status.borrow_and_update()),
                        Err(_) => return None,
                    },
                },
            };
            Some((Ok::<Event, Infallible>(event), (None, reloads, status)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn status_event(status: &Status) -> Event {
    match status {
        Status::Good => Event::default().event("ok").data("{}"),
        Status::Problems(lines) => Event::default()
            .event("problems")
            .data(serde_json::json!({ "lines": lines }).to_string()),
    }
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// The request of `GET /api/search?q=&concept=&source=&kind=&limit=`, checked.
pub fn search_request(query: Option<&str>) -> Result<SearchRequest, String> {
    let mut request = SearchRequest {
        limit: 10,
        facets: true,
        ..SearchRequest::default()
    };
    if query.is_some_and(|q| q.len() > 4 * MAX_QUERY_BYTES) {
        return Err("the query string is too long".to_string());
    }
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "q" => {
                if value.len() > MAX_QUERY_BYTES {
                    return Err(format!("`q` is longer than {MAX_QUERY_BYTES} bytes"));
                }
                request.query = value.into_owned();
            }
            "concept" => {
                if request.concepts.len() == MAX_CONCEPTS {
                    return Err(format!("at most {MAX_CONCEPTS} `concept` filters"));
                }
                request.concepts.push(value.into_owned());
            }
            "source" => request.source = Some(value.into_owned()),
            "kind" => match Kind::from_name(&value) {
                Some(kind) => request.kind = Some(kind),
                None => return Err(format!("`kind` is one of {}, not `{value}`", Kind::names())),
            },
            "limit" => match value.parse::<usize>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => request.limit = limit,
                _ => return Err(format!("`limit` is a number from 1 to {MAX_LIMIT}")),
            },
            other => {
                return Err(format!(
                    "unknown parameter `{other}`; use q, concept, source, kind, limit"
                ))
            }
        }
    }
    Ok(request)
}

async fn search(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let request = match search_request(query.as_deref()) {
        Ok(request) => request,
        Err(message) => return json_error(StatusCode::BAD_REQUEST, &message),
    };
    let shared = app.search.clone();
    // Tantivy works synchronously; keep it off the threads that serve pages.
    let outcome = tokio::task::spawn_blocking(move || {
        let guard = shared.read().expect("not poisoned");
        let Some(engine) = guard.as_ref() else {
            return Err((
                StatusCode::SERVICE_UNAVAILABLE,
                "the search index is not ready yet".to_string(),
            ));
        };
        engine.search(&request).map_err(|err| match err {
            QueryError::Tantivy(_) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()),
            other => (StatusCode::BAD_REQUEST, other.to_string()),
        })
    })
    .await;
    match outcome {
        Ok(Ok(results)) => {
            ([(header::CACHE_CONTROL, "no-store")], axum::Json(results)).into_response()
        }
        Ok(Err((status, message))) => json_error(status, &message),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

/// The file a request path names inside `output`, or `None` when it names nothing there:
/// `..` (plain or percent-encoded), hidden names and anything that is not UTF-8 never leave
/// the folder, and a symlink out of it is refused once resolved.
pub fn resolve(output: &Path, base: &str, path: &str) -> Option<PathBuf> {
    let rest = path.strip_prefix(base)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?;
    let mut file = output.to_path_buf();
    for segment in decoded.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment.starts_with('.') || segment.contains(['\\', '\0']) {
            return None;
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let real = file.canonicalize().ok()?;
    (real.starts_with(output) && real.is_file()).then_some(real)
}

async fn file(State(app): State<Arc<App>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let base = app.base.read().expect("not poisoned").clone();
    if !base.is_empty() && (path == "/" || path == "/index.html") {
        let location = format!("{base}/");
        return (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    let output = app.output.clone();
    let target = {
        let path = path.clone();
        let base = base.clone();
        tokio::task::spawn_blocking(move || resolve(&output, &base, &path))
            .await
            .ok()
            .flatten()
    };
    let Some(target) = target else {
        return not_found(&app).await;
    };
    // A folder asked for without its slash: its relative links need the slash to resolve.
    if target.ends_with("index.html") && !path.ends_with('/') && !path.ends_with("index.html") {
        return (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, format!("{path}/"))],
        )
            .into_response();
    }
    if target.extension().is_some_and(|e| e == "html") {
        return match tokio::fs::read(&target).await {
            Ok(bytes) => html(StatusCode::OK, &bytes, &base),
            Err(_) => not_found(&app).await,
        };
    }
    match tower_http::services::ServeFile::new(&target)
        .oneshot(request)
        .await
    {
        Ok(mut response) => {
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response.map(Body::new)
        }
        Err(never) => match never {},
    }
}

/// The site's own 404 page, or a bare one when the site has none yet (a first build that
/// failed): either way with the live script, so the page shows the errors and recovers.
async fn not_found(app: &App) -> Response {
    let page = tokio::fs::read(app.output.join("404.html"))
        .await
        .unwrap_or_else(|_| {
            b"<!doctype html><meta charset=utf-8><title>Not found</title><body><p>Not found.</p></body>"
                .to_vec()
        });
    let base = app.base.read().expect("not poisoned").clone();
    html(StatusCode::NOT_FOUND, &page, &base)
}

/// An HTML page with the live script added before `</body>`.
fn html(status: StatusCode, bytes: &[u8], base: &str) -> Response {
    let text = String::from_utf8_lossy(bytes);
    let script = format!(
        "<script src=\"/_commonplace/live.js\" data-base=\"{}\" defer></script>",
        crate::text::escape(base)
    );
    let body = match text.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &text[..at], &text[at..]),
        None => format!("{text}{script}"),
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::is_local_host;

    #[test]
    fn only_this_machine_names_pass_the_host_check() {
        for local in [
            "localhost",
            "localhost:4000",
            "LOCALHOST.",
            "kb.localhost:4000",
            "127.0.0.1:4000",
            "192.168.1.20:4000",
            "[::1]:4000",
            "[::1]",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for foreign in [
            "evil.example:4000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "[::1]x",
            "",
        ] {
            assert!(!is_local_host(foreign), "{foreign}");
        }
    }
}
