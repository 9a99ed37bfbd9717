//! Stage 4: turn the model into output. One module per target; Rust is the only one so far
//! (JSON Schema comes from the generated Rust through schemars, so it cannot drift from what
//! serde accepts).

pub mod rust;
