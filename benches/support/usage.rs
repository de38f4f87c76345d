//! Timing a `commonplace build` in a child process, with the child's own CPU time and peak
//! memory, for the benches that build sites.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One build: wall time from spawn to exit, the child's CPU time, and its peak memory.
pub struct Run {
    pub wall: Duration,
    pub user: Duration,
    pub system: Duration,
    pub max_rss_kib: i64,
}

/// Builds the site at `site` into `output` with the binary at `bin`; panics if it fails.
/// `quiet` drops what the build prints about the content (warnings the bench expects).
pub fn run_build(bin: &str, site: &Path, output: &Path, quiet: bool) -> Run {
    let started = Instant::now();
    // Reaped by `wait_with_usage`, which std's `wait` cannot replace: it also returns rusage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin)
        .arg("build")
        .arg("--root")
        .arg(site)
        .arg("--output")
        .arg(output)
        .stdout(std::process::Stdio::null())
        .stderr(if quiet {
            std::process::Stdio::null()
        } else {
            std::process::Stdio::inherit()
        })
        .spawn()
        .expect("the binary starts");
    let (status, usage) = wait_with_usage(child.id());
    let wall = started.elapsed();
    assert_eq!(status, 0, "the build failed");
    Run {
        wall,
        user: timeval(usage.ru_utime),
        system: timeval(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// `wait4`, which std does not expose: the exit status and the child's own resource usage
/// (peak resident memory, user and system CPU time).
#[allow(unsafe_code)]
fn wait_with_usage(pid: u32) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data, and wait4 fills it for the child we spawned and still own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as libc::pid_t, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage)
}
