//! `--out` onto what is not a plain new file: symbolic links, FIFOs, full devices, and a run
//! interrupted by a signal while its temporary file is being written.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use super::support::run;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn sample() -> String {
    format!("{ROOT}/data/sample_paths.csv")
}

#[test]
fn out_onto_a_symlink_writes_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("result.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run(&["attribute", &sample(), "--out", link.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let stdout = run(&["attribute", &sample(), "--format", "json"]).stdout;
    assert_eq!(std::fs::read(&target).unwrap(), stdout);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn out_onto_a_fifo_writes_through_and_keeps_the_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = run(&[
        "attribute",
        &sample(),
        "--format",
        "csv",
        "--out",
        fifo.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = reader.join().unwrap();
    assert_eq!(
        bytes,
        run(&["attribute", &sample(), "--format", "csv"]).stdout
    );
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
#[cfg(target_os = "linux")]
fn out_onto_a_full_device_fails_with_exit_1_naming_it() {
    let full = Path::new("/dev/full");
    assert!(
        std::fs::metadata(full).is_ok_and(|m| m.file_type().is_char_device()),
        "Linux has /dev/full; without it this test would prove nothing"
    );
    let out = run(&[
        "attribute",
        &sample(),
        "--format",
        "json",
        "--out",
        "/dev/full",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/dev/full"), "{stderr}");
    assert!(
        std::fs::metadata(full)
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

/// Starts a long `generate --format events --out`, waits for its temporary file, sends `signal`
/// and checks that the run ends with 128 + the signal and leaves no file behind.
fn interrupted_generate_leaves_nothing(signal: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.csv");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("journeysim"))
        .args([
            "generate",
            "--map",
            &format!("{ROOT}/scenarios/journey_map.json"),
            "--format",
            "events",
            "--journeys",
            "100000000",
            "--threads",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let temporary = std::fs::read_dir(dir.path())
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".tmp"));
        if temporary {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 30,
            "no temporary file appeared"
        );
        assert!(child.try_wait().unwrap().is_none(), "generate ended early");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Let it write for a moment, then interrupt.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(code), "{status:?}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn sigterm_during_out_removes_the_temporary_file() {
    interrupted_generate_leaves_nothing("TERM", 143);
}

#[test]
fn sigint_during_out_removes_the_temporary_file() {
    interrupted_generate_leaves_nothing("INT", 130);
}

#[test]
fn out_with_an_extension_that_names_no_format_is_refused_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("a.xlsx");
    let svg = dir.path().join("credits.svg");
    let out = run(&[
        "attribute",
        &sample(),
        "--svg",
        svg.to_str().unwrap(),
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for word in ["a.xlsx", ".json", ".csv", ".txt", "--format"] {
        assert!(stderr.contains(word), "{word}: {stderr}");
    }
    // Neither the output nor the picture was written.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // An explicit --format accepts any name.
    let out = run(&[
        "attribute",
        &sample(),
        "--format",
        "csv",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&xlsx).unwrap(),
        run(&["attribute", &sample(), "--format", "csv"]).stdout
    );
    // .txt is a table.
    let txt = dir.path().join("a.txt");
    assert!(
        run(&["paths", &sample(), "--out", txt.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(
        std::fs::read(&txt).unwrap(),
        run(&["paths", &sample()]).stdout
    );
}

#[test]
fn every_path_flag_refuses_a_file_name_that_is_not_utf8() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let bad = |name: &[u8]| OsString::from_vec(name.to_vec());
    let map = format!("{ROOT}/scenarios/journey_map.json");
    let cases: Vec<(Vec<OsString>, &str)> = vec![
        (vec!["attribute".into(), bad(b"p\xff.csv")], "[FILE]"),
        (
            vec!["attribute".into(), "--events".into(), bad(b"e\xff.csv")],
            "--events",
        ),
        (
            vec![
                "attribute".into(),
                sample().into(),
                "--out".into(),
                bad(b"o\xff.json"),
            ],
            "--out",
        ),
        (
            vec![
                "attribute".into(),
                sample().into(),
                "--svg".into(),
                bad(b"c\xff.svg"),
            ],
            "--svg",
        ),
        (
            vec!["simulate".into(), "--model".into(), bad(b"m\xff.json")],
            "--model",
        ),
        (
            vec!["generate".into(), "--map".into(), bad(b"m\xff.json")],
            "--map",
        ),
        (
            vec![
                "generate".into(),
                "--map".into(),
                map.clone().into(),
                "--journeys".into(),
                "10".into(),
                "--out".into(),
                bad(b"g\xff.csv"),
            ],
            "--out",
        ),
        (
            vec![
                "graph".into(),
                sample().into(),
                "--out".into(),
                bad(b"g\xff.dot"),
            ],
            "--out",
        ),
        (
            vec![
                "whatif".into(),
                sample().into(),
                "--scenario".into(),
                bad(b"s\xff.json"),
            ],
            "--scenario",
        ),
        (
            vec![
                "funnel".into(),
                "--map".into(),
                map.into(),
                "--stages".into(),
                bad(b"s\xff.json"),
            ],
            "--stages",
        ),
    ];
    for (args, flag) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("journeysim"))
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("not valid UTF-8"), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?}"
        );
    }
}

#[test]
fn graph_and_generate_out_extensions_choose_or_refuse_like_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let map = format!("{ROOT}/scenarios/journey_map.json");
    let sample = sample();
    let (mmd, png, xlsx) = (path("g.mmd"), path("g.png"), path("p.xlsx"));
    // .mmd chooses Mermaid, as --format mermaid does.
    assert!(run(&["graph", &sample, "--out", &mmd]).status.success());
    assert_eq!(
        std::fs::read(&mmd).unwrap(),
        run(&["graph", &sample, "--format", "mermaid"]).stdout
    );
    // Extensions that name no format are refused, and nothing is written.
    for args in [
        vec!["graph", &sample, "--out", &png],
        vec![
            "generate",
            "--map",
            &map,
            "--journeys",
            "100",
            "--out",
            &xlsx,
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--format"), "{stderr}");
    }
    // An explicit --format accepts any name.
    let explicit = [
        vec!["graph", &sample, "--format", "dot", "--out", &png],
        vec![
            "generate",
            "--map",
            &map,
            "--journeys",
            "100",
            "--format",
            "paths",
            "--out",
            &xlsx,
        ],
    ];
    for args in explicit {
        assert!(run(&args).status.success(), "{args:?}");
    }
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["g.mmd", "g.png", "p.xlsx"]);
}
