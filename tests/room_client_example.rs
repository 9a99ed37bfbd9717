//! `cargo run --example room_client --features client -- HOST HTTP_PORT --pin PIN` against
//! `trueconf-api mock-room`: the example runs the file-transfer flow and exits 0; with a wrong
//! PIN it says so and exits 1.

mod common;

use std::process::{Command, Output, Stdio};

/// Starts `trueconf-api mock-room --port 0 --pin 1234`; returns it and its HTTP port.
fn mock_room() -> (std::process::Child, String) {
    let (child, line, _) = common::start_server(
        &["mock-room", "--port", "0", "--pin", "1234"],
        Stdio::null(),
    );
    (child, common::port_in(&line, "http").to_string())
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
