//! `commonplace serve`: the site on localhost while writing. A watcher thread collects changed
//! files, a rebuild thread keeps a [`preview::Preview`] up to date, and an axum server serves
//! the preview folder, tells open pages to reload, and answers `/api/search`.

pub mod http;
pub mod preview;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify::RecursiveMode;
use tokio::sync::{broadcast, watch};

use crate::diagnostic;
use crate::site::{SiteRoot, CONTENT_DIR, THEMES_DIR};
use crate::text::{error_chain, plural};
use crate::SiteOptions;
use http::Status;
use preview::{Preview, Rebuilt};

/// How long the watcher waits for a burst of file events to end. Editors that save by writing
/// a temporary file and renaming it over the note make several events within a few
/// milliseconds; one rebuild for all of them is what we want.
const DEBOUNCE: Duration = Duration::from_millis(20);

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub open: bool,
    pub drafts: bool,
    /// Show only what `build` publishes, rather than every note with the ones the site leaves
    /// out marked as such.
    pub published: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("port {port} on {bind} is in use{}", match .free {
        Some(free) => format!("; try --port {free}"),
        None => String::new(),
    })]
    PortBusy {
        bind: IpAddr,
        port: u16,
        free: Option<u16>,
    },
    #[error("couldn't listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("couldn't watch `{}` for changes", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("the server failed")]
    Server(#[source] std::io::Error),
    #[error(transparent)]
    Site(#[from] crate::Error),
}

/// What the terminal is told; the binary prints it.
pub trait Reporter: Send + Sync + 'static + crate::lock::Waiting {
    fn listening(&self, url: &str);
    fn rebuilt(&self, rebuilt: &Rebuilt);
    /// Something went wrong that does not stop the preview (the file watcher, a browser
    /// that would not open, the search index).
    fn warning(&self, message: &str);
}

/// Binds the port, builds the site, and serves it until the process is stopped.
pub fn serve(mut options: ServeOptions, reporter: impl Reporter) -> Result<(), ServeError> {
    // The watcher reports absolute paths; the root must be one too for them to be told apart.
    if let Ok(absolute) = options.root.canonicalize() {
        options.root = absolute;
    }
    let site_root = SiteRoot::open(&options.root).map_err(crate::Error::from)?;
    let listener = bind(options.bind, options.port)?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: SocketAddr::new(options.bind, options.port),
        source,
    })?;

    let search = Arc::new(RwLock::new(None));
    let site = SiteOptions {
        root: options.root.clone(),
        drafts: options.drafts,
        withheld: !options.published,
        base_url: None,
    };
    let reporter: Arc<dyn Reporter> = Arc::new(reporter);
    let mut preview = Preview::new(site, search.clone(), reporter.clone())?;
    let (reloads, _) = broadcast::channel::<Vec<String>>(64);
    let (status_tx, status_rx) = watch::channel(Status::Good);
    let base = Arc::new(RwLock::new(String::new()));
    let announce = {
        let reloads = reloads.clone();
        let base = base.clone();
        move |rebuilt: &Rebuilt| {
            if let Some(path) = &rebuilt.base {
                *base.write().expect("not poisoned") = path.clone();
            }
            let status = status_of(rebuilt);
            if status == Status::Good && !rebuilt.changed.is_empty() {
                let _ = reloads.send(rebuilt.changed.clone());
            }
            status_tx.send_if_modified(|current| {
                let moved = *current != status;
                *current = status.clone();
                moved
            });
        }
    };
    // An earlier preview is served at once, and brought up to date by the first rebuild
    // behind it (open pages reload with what changed): a restart on a large site serves in
    // well under a second rather than after a full rebuild. Without one, the first rebuild
    // comes first, so the first page is never missing.
    // Only a preview made with the same options: one of every note must not be shown, even
    // for seconds, by `serve --published`. The stamp goes while a full rebuild runs, so a
    // preview a killed rebuild left half changed is never served before it is rebuilt.
    let stamp_file = site_root.preview_stamp();
    let stamp = format!(
        "drafts: {}\npublished: {}\n",
        options.drafts, options.published
    );
    let earlier = preview.output_dir().join("index.html").is_file()
        && std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp);
    let _ = std::fs::remove_file(&stamp_file);
    let stamped = move || {
        let _ = std::fs::write(&stamp_file, &stamp);
    };
    if earlier {
        *base.write().expect("not poisoned") = configured_base(&site_root);
    } else {
        let first = preview.rebuild_all(&announce);
        reporter.rebuilt(&first);
        stamped();
    }
    let (listening_tx, listening_rx) = mpsc::channel::<()>();
    let output = preview.output_dir().canonicalize().map_err(|source| {
        crate::Error::from(crate::write::WriteError::from(crate::fs::IoError {
            action: "open",
            path: preview.output_dir().to_path_buf(),
            source,
        }))
    })?;

    // Watch before serving: an edit made while the first page loads is not lost.
    let (changes_tx, changes_rx) = mpsc::channel::<Vec<PathBuf>>();
    let mut watcher = SiteWatcher::start(&options.root, changes_tx, reporter.clone())?;
    let rebuild_reporter = reporter.clone();
    std::thread::Builder::new()
        .name("rebuild".into())
        .spawn(move || {
            if earlier {
                // After the address is printed, so the terminal says what is served first.
                let _ = listening_rx.recv();
                let first = preview.rebuild_all(&announce);
                rebuild_reporter.rebuilt(&first);
                stamped();
            }
            while let Ok(mut paths) = changes_rx.recv() {
                if let Err(err) = watcher.watch_new_folders() {
                    rebuild_reporter.warning(&error_chain(&err));
                }
                // Whatever else arrived meanwhile joins this rebuild.
                while let Ok(more) = changes_rx.try_recv() {
                    paths.extend(more);
                }
                paths.sort();
                paths.dedup();
                // A bug in a rebuild must not end the preview: the page says so, and the next
                // change starts from scratch.
                let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    preview.rebuild(&paths, &announce)
                }));
                match attempt {
                    Ok(Some(rebuilt)) => rebuild_reporter.rebuilt(&rebuilt),
                    Ok(None) => {}
                    Err(panic) => {
                        let message = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        let rebuilt = preview.forget(format!(
                            "commonplace failed while rebuilding (a bug; please report it): {message}"
                        ));
                        announce(&rebuilt);
                        rebuild_reporter.rebuilt(&rebuilt);
                    }
                }
            }
        })
        .expect("a thread starts");

    let url = format!("http://{addr}{}/", base.read().expect("not poisoned"));
    let app = Arc::new(http::App {
        output,
        base,
        reloads,
        status: status_rx,
        search,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Server)?;
    runtime.block_on(async move {
        listener.set_nonblocking(true).map_err(ServeError::Server)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Server)?;
        reporter.listening(&url);
        let _ = listening_tx.send(());
        if options.open {
            if let Err(err) = open::that_detached(&url) {
                reporter.warning(&format!("couldn't open a browser: {err}"));
            }
        }
        axum::serve(listener, http::router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(ServeError::Server)
    })
}

/// The base path `commonplace.yaml` gives (`/kb`), before any rebuild has read the site; empty
/// when it cannot be read, which the first rebuild then corrects.
fn configured_base(site: &SiteRoot) -> String {
    crate::load::read_config(site).map_or_else(|_| String::new(), |(config, _)| config.base_path())
}

fn status_of(rebuilt: &Rebuilt) -> Status {
    if !rebuilt.has_errors() {
        return Status::Good;
    }
    let mut lines: Vec<String> = rebuilt
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    lines.extend(rebuilt.failure.iter().map(|f| format!("error: {f}")));
    Status::Problems(lines)
}

/// Listens on `port`, or says which port to use instead when it is taken.
fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, ServeError> {
    let addr = SocketAddr::new(ip, port);
    match TcpListener::bind(addr) {
        Ok(listener) => Ok(listener),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
            let free = (port.saturating_add(1)..port.saturating_add(100))
                .find(|&p| TcpListener::bind(SocketAddr::new(ip, p)).is_ok());
            Err(ServeError::PortBusy {
                bind: ip,
                port,
                free,
            })
        }
        Err(source) => Err(ServeError::Bind { addr, source }),
    }
}

type Debouncer = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Watches `content/`, `themes/` and `commonplace.yaml`, sending each debounced burst of
/// changed paths.
struct SiteWatcher {
    debouncer: Debouncer,
    root: PathBuf,
    watched: Vec<PathBuf>,
}

impl SiteWatcher {
    fn start(
        root: &std::path::Path,
        changes: mpsc::Sender<Vec<PathBuf>>,
        reporter: Arc<dyn Reporter>,
    ) -> Result<Self, ServeError> {
        let debouncer = notify_debouncer_full::new_debouncer(
            DEBOUNCE,
            None,
            move |result: notify_debouncer_full::DebounceEventResult| match result {
                Ok(events) => {
                    let paths: Vec<PathBuf> = events
                        .into_iter()
                        .filter(|e| !e.kind.is_access())
                        .flat_map(|e| e.event.paths)
                        .collect();
                    if !paths.is_empty() {
                        let _ = changes.send(paths);
                    }
                }
                Err(errors) => {
                    for error in errors {
                        reporter.warning(&format!("file watcher: {error}"));
                    }
                }
            },
        )
        .map_err(|source| ServeError::Watch {
            path: root.to_path_buf(),
            source,
        })?;
        let mut watcher = SiteWatcher {
            debouncer,
            root: root.to_path_buf(),
            watched: Vec::new(),
        };
        // The root itself, not recursively (it may hold `public/` and more): for
        // `commonplace.yaml`, and for `content/` or `themes/` made while serving.
        watcher.watch(root.to_path_buf(), RecursiveMode::NonRecursive)?;
        watcher.watch_new_folders()?;
        Ok(watcher)
    }

    /// Starts watching `content/` and `themes/` if they exist and are not watched yet.
    fn watch_new_folders(&mut self) -> Result<(), ServeError> {
        for dir in [CONTENT_DIR, THEMES_DIR] {
            let path = self.root.join(dir);
            if path.is_dir() && !self.watched.contains(&path) {
                self.watch(path, RecursiveMode::Recursive)?;
            }
        }
        Ok(())
    }

    fn watch(&mut self, path: PathBuf, mode: RecursiveMode) -> Result<(), ServeError> {
        self.debouncer
            .watch(&path, mode)
            .map_err(|source| ServeError::Watch {
                path: path.clone(),
                source,
            })?;
        self.watched.push(path);
        Ok(())
    }
}

/// One line for the terminal about a rebuild.
pub fn describe(rebuilt: &Rebuilt) -> String {
    let time = if rebuilt.elapsed < Duration::from_secs(1) {
        format!("{} ms", rebuilt.elapsed.as_millis())
    } else {
        format!("{:.2} s", rebuilt.elapsed.as_secs_f64())
    };
    let how = match &rebuilt.quick {
        Ok(()) => "quick".to_string(),
        Err(why) => format!("full: {why}"),
    };
    if rebuilt.has_errors() {
        let errors =
            diagnostic::count_errors(&rebuilt.diagnostics) + rebuilt.failure.iter().count();
        format!(
            "error: {} ({how}, {time}); still serving the last good site",
            plural(errors, "error")
        )
    } else {
        format!(
            "rebuilt: {} changed ({how}, {time})",
            plural(rebuilt.changed.len(), "file")
        )
    }
}
