//! The runtime's modules depend on each other in one direction only: no import cycle, so each
//! file can be read after the ones it uses (meta, wire, raw, object_map → error → route →
//! envelope → dispatch → schema_support, proptest_support).

use std::collections::{BTreeMap, BTreeSet};

/// `crate::x` paths each module of src/ names (the crate root and the binary aside).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir("src").expect("src/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let module = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let uses: BTreeSet<String> = text
            .match_indices("crate::")
            .map(|(at, _)| {
                text[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect::<String>()
            })
            .filter(|name| !name.is_empty() && *name != module)
            .collect();
        graph.insert(module, uses);
    }
    graph
}

#[test]
fn the_runtime_modules_have_no_import_cycle() {
    let graph = imports();
    assert!(graph.len() >= 10, "read only {} modules", graph.len());
    // Depth-first search for a back edge, among the modules of src/ only.
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        trail: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(module) {
            return;
        }
        if let Some(at) = trail.iter().position(|m| m == module) {
            panic!("import cycle: {} → {module}", trail[at..].join(" → "));
        }
        trail.push(module.to_string());
        for next in graph.get(module).into_iter().flatten() {
            if graph.contains_key(next) {
                visit(next, graph, trail, done);
            }
        }
        trail.pop();
        done.insert(module.to_string());
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
}
