//! `check` on captures far beyond a test fixture: a million messages streamed through stdin in
//! bounded memory, a 100 MB line, deep nesting — and a bad line never stops the ones after it.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{spawn_check, tool};

/// Peak resident memory of a running process, from /proc (Linux); `None` elsewhere.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const GOOD: &str = r#"{"method":"event","event":"incomingFileRequestDownloadingProgress","fileSize":80488954,"processedPercents":20,"fileRequestId":"3322be1a-5736-4a01-8007-cbee8036f8b8","fileName":"777.zip","peerId":"820_1@some.server","peerDisplayName":"820_1","timestamp":1659288685582}"#;

#[test]
fn a_million_messages_stream_in_bounded_memory_and_bad_lines_do_not_stop_the_rest() {
    const MESSAGES: usize = 1_000_000;
    let mut child = spawn_check(&["-"]);
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut stdin);
        for index in 0..MESSAGES {
            // Every 1000th line is broken: invalid JSON, or a bad field.
            let line = match index % 1000 {
                500 => "{\"method\": \"event\", \"event\": ".to_string(),
                999 => GOOD.replace("\"fileSize\":80488954", "\"fileSize\":\"big\""),
                _ => GOOD.to_string(),
            };
            if writeln!(out, "{line}").is_err() {
                return;
            }
        }
    });
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = peak_rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut ok, mut errors, mut lines) = (0usize, 0usize, 0usize);
    for line in stdout.lines() {
        let line = line.expect("utf-8 output");
        lines += 1;
        if line.contains(": ok notification incomingFileRequestDownloadingProgress") {
            ok += 1;
        } else if line.contains(": error ") {
            errors += 1;
            let number: usize = line
                .split(':')
                .nth(1)
                .and_then(|n| n.parse().ok())
                .expect("line number");
            assert!(
                matches!(number % 1000, 501 | 0),
                "unexpected error on line {number}: {line}"
            );
        } else {
            panic!("unexpected verdict: {line}");
        }
    }
    writer.join().expect("writer");
    let output = child.wait_with_output().expect("finishes");
    done.store(true, Ordering::Relaxed);
    watcher.join().expect("watcher");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(lines, MESSAGES);
    assert_eq!(errors, 2 * MESSAGES / 1000);
    assert_eq!(ok, MESSAGES - errors);
    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(
        summary.contains(&format!("checked {MESSAGES} messages")),
        "{summary}"
    );
    // About 260 MB went through; memory must stay flat (bounded by the longest line).
    let peak_mib = peak.load(Ordering::Relaxed) / 1024;
    if cfg!(target_os = "linux") {
        assert!(peak_mib > 0, "could not read the checker's memory");
        assert!(
            peak_mib < 64,
            "check used {peak_mib} MiB for a streamed capture"
        );
    }
}

#[test]
fn a_100_mb_line_is_checked_and_the_next_line_too() {
    let dir = std::env::temp_dir().join(format!("trueconf-api-100mb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("capture.jsonl");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let name = "x".repeat(100 * 1024 * 1024);
        let huge = GOOD.replace("777.zip", &name);
        writeln!(file, "{huge}").expect("write");
        writeln!(file, "{GOOD}").expect("write");
        writeln!(
            file,
            "{}",
            huge.replace("\"method\":\"event\"", "\"method\":\"event\",\"extra\":1")
        )
        .expect("write");
    }
    let output = tool().arg("check").arg(&path).output().expect("runs");
    std::fs::remove_dir_all(&dir).expect("cleanup");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout
        .lines()
        .map(|line| line.rsplit_once(".jsonl:").map_or(line, |(_, rest)| rest))
        .collect();
    assert_eq!(
        lines,
        [
            "1: ok notification incomingFileRequestDownloadingProgress",
            "2: ok notification incomingFileRequestDownloadingProgress",
            "3: ok notification incomingFileRequestDownloadingProgress (unknown fields: extra)",
        ]
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn deep_unknown_keys_are_still_reported() {
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let line = GOOD.replace("\"fileSize\"", &format!("\"deepKey\":{deep},\"fileSize\""));
    let output = common::check(&format!("{line}\n"), &["-"]);
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(stdout.trim(), "<stdin>:1: ok notification incomingFileRequestDownloadingProgress (unknown fields: deepKey)");
}
