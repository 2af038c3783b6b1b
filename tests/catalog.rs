//! What the detector catalogue cannot generate, checked against it: the README's list and count
//! of detectors, and the fuzz dictionaries, name every built-in code. A detector added to the
//! catalogue and forgotten there fails here, not silently.

#![allow(clippy::panic)]

use ecps_risk::SignalCode;

fn read(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn the_readme_names_every_detector_and_counts_them() {
    let readme = read("README.md");
    for code in SignalCode::ALL {
        assert!(
            readme.contains(&format!("`{code}`")),
            "README.md does not name `{code}`"
        );
    }
    let count = format!("{} detectors with stable codes", SignalCode::ALL.len());
    assert!(
        readme.contains(&count),
        "README.md does not say \"{count}\""
    );
}

#[test]
fn the_fuzz_dictionaries_hold_every_detector() {
    // The package leaves fuzz/ out: the check runs in the repository only.
    if !std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .exists()
    {
        return;
    }
    for dict in ["fuzz/dicts/json.dict", "fuzz/dicts/policy_toml.dict"] {
        let text = read(dict);
        for code in SignalCode::ALL {
            assert!(
                text.contains(&format!("\\\"{code}\\\"")),
                "{dict} lacks {code}"
            );
        }
    }
}
