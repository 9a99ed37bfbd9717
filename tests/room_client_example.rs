//! `cargo run --example room_client --features client -- HOST HTTP_PORT --pin PIN` against
//! `trueconf-api mock-room`: the example runs the file-transfer flow and exits 0; with a wrong
//! PIN it says so and exits 1.

use std::io::BufRead;
use std::process::{Command, Output, Stdio};

/// Starts `trueconf-api mock-room --port 0 --pin 1234`; returns it and its HTTP port.
fn mock_room() -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trueconf-api"))
        .args(["mock-room", "--port", "0", "--pin", "1234"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mock-room runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("its first line");
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_else(|| panic!("no HTTP URL in {line:?}"));
    (child, port)
}

fn example(args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "--example",
            "room_client",
            "--features",
            "client",
            "--",
        ])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs")
}

#[test]
fn the_example_receives_a_file_from_mock_room_and_exits_0() {
    let (mut room, port) = mock_room();
    let output = example(&["127.0.0.1", &port, "--pin", "1234"]);
    let wrong = example(&["127.0.0.1", &port, "--pin", "0000"]);
    let _ = room.kill();
    let _ = room.wait();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("downloading: 100%"), "{stdout}");
    assert!(stdout.contains("done: 2.jpg received"), "{stdout}");
    assert_eq!(wrong.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("authorization refused: Wrong credentials"),
        "{stderr}"
    );
}
