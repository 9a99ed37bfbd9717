//! The three decode corpora as JSON values: shared by `benches/decode.rs`,
//! `examples/decode_loop.rs` and the downstream harness's corpus writer
//! (`benches/downstream/corpora`), so every measurement decodes the same messages.
//!
//! - (a) every documented server→client example, one mixed stream;
//! - (b) one getFileTransferHistory response with 10,000 records;
//! - (c) 100,000 progress and status notifications.

use serde_json::{json, Value};
use trueconf_api_codegen::model::{ExampleRole, ExampleSource, Model};

/// Corpus (a): every documented server→client example (responses and notifications).
pub fn documented_server_examples(model: &Model) -> Vec<Value> {
    model
        .messages()
        .flat_map(|(_, examples)| examples.iter())
        .filter(|example| {
            example.source == ExampleSource::Documented && example.role != ExampleRole::Request
        })
        .filter_map(|example| example.json.clone())
        .collect()
}

/// Corpus (b): one history with 10,000 records, both directions, some in conferences.
pub fn history_10000() -> Value {
    let records: Vec<Value> = (0..10_000u64)
        .map(|i| {
            let mut record = json!({
                "directionType": i % 2,
                "fileName": format!("report-{i}.pdf"),
                "fileSize": 3200 + i * 17,
                "timestamp": if i % 2 == 0 { 1_659_103_698_469 + i } else { 1_659_251_271 + i },
                "fileRequestId": format!("7fbdd93e-c24f-41f2-a3e0-{i:012}"),
                "fileId": 346_234_218 + i
            });
            if i % 5 == 0 {
                record["confId"] = json!("000001703e81e38e@some.server#vcs");
            } else {
                record["peerDn"] = json!(format!("user {i}"));
                record["peerId"] = json!(format!("user_{i}@some.server"));
            }
            record
        })
        .collect();
    json!({"method": "getFileTransferHistory", "requestId": "1", "filesRequests": records, "result": true})
}

/// Corpus (c): 100,000 progress and status notifications, three kinds in turn.
pub fn progress_100000() -> Vec<Value> {
    (0..100_000u64)
        .map(|i| {
            let id = format!("3322be1a-5736-4a01-8007-{:012}", i / 100);
            match i % 3 {
                0 => json!({"method": "event", "event": "incomingFileRequestDownloadingProgress", "fileSize": 80_488_954,
                            "processedPercents": i % 101, "fileRequestId": id, "fileName": "777.zip",
                            "peerId": "820_1@some.server", "peerDisplayName": "820_1", "timestamp": 1_659_288_685_582u64}),
                1 => json!({"method": "event", "event": "outgoingFileRequestUploadingProgress", "fileSize": 80_488_954,
                            "processedPercents": i % 101, "fileRequestId": id, "fileName": "777.zip",
                            "timestamp": 1_659_289_349, "fileId": 526_755_919, "peerId": "820_1@some.server",
                            "peerDisplayName": "820_1"}),
                _ => json!({"method": "event", "event": "fileRequestStatusChanged", "fileRequestId": id,
                            "status": 2, "directionType": 0, "fileName": "2.jpg", "timestamp": 1_659_284_222_850u64,
                            "fileSize": 3200, "peerId": "820_1@some.server", "peerDisplayName": "820_1"}),
            }
        })
        .collect()
}
