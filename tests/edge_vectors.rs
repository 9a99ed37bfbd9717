//! Edge vectors generated from the definitions for every example: optional fields omitted,
//! required ones removed, wrong types, nulls, unknown keys and enum values, broken envelopes,
//! failure forms. Each must be accepted (and re-encode as expected) or rejected naming the field.

mod common;

use common::Expect;

#[test]
fn every_edge_vector_is_accepted_or_rejected_naming_the_field() {
    let model = common::model();
    let mut count = 0;
    let mut failures = Vec::new();
    for case in common::examples(&model) {
        for vector in common::edge_vectors(&model, &case) {
            count += 1;
            let outcome = common::decode(vector.role, &vector.name, &vector.json);
            match (&vector.expect, outcome) {
                (Expect::Accept(expected), Ok(reencoded)) if &reencoded == expected => {}
                (Expect::Accept(expected), Ok(reencoded)) => failures.push(format!(
                    "{} / {}: re-encoded {reencoded} instead of {expected}",
                    vector.case, vector.what
                )),
                (Expect::Accept(_), Err(error)) => failures.push(format!(
                    "{} / {}: rejected: {error}",
                    vector.case, vector.what
                )),
                (Expect::Reject(path), Err(error)) if error.path() == path => {}
                (Expect::Reject(path), Err(error)) => failures.push(format!(
                    "{} / {}: rejected at `{}` instead of `{path}`: {error}",
                    vector.case,
                    vector.what,
                    error.path()
                )),
                (Expect::Reject(_), Ok(reencoded)) => failures.push(format!(
                    "{} / {}: accepted as {reencoded}",
                    vector.case, vector.what
                )),
            }
        }
    }
    assert!(count > 500, "only {count} vectors were generated");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
