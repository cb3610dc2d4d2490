//! Turns `data/municipalities.csv` (a copy of the project's source data) into a
//! const table, so the crate carries the data without reading files at run time.
use std::{env, fs, path::PathBuf};

fn main() {
    let csv = "data/municipalities.csv";
    println!("cargo:rerun-if-changed={csv}");
    let text = fs::read_to_string(csv).expect("shared/data/municipalities.csv is part of the crate");
    let mut lines = text.lines();
    let header = lines.next().expect("header row");
    assert_eq!(
        header.trim(),
        "code,slug,name,population,town_hall,lat,lon,ferry_minutes",
        "unexpected columns in {csv}"
    );
    let mut out = String::from("&[\n");
    for (n, line) in lines.filter(|l| !l.trim().is_empty()).enumerate() {
        let f: Vec<&str> = line.trim().split(',').collect();
        assert_eq!(f.len(), 8, "{csv} row {}: expected 8 fields", n + 2);
        let code: u16 = f[0].parse().expect("code");
        let population: u32 = f[3].parse().expect("population");
        let lat: f64 = f[5].parse().expect("lat");
        let lon: f64 = f[6].parse().expect("lon");
        let ferry: u16 = f[7].parse().expect("ferry_minutes");
        out.push_str(&format!(
            "    BuiltinMunicipality {{ code: {code}, slug: {:?}, name: {:?}, population: {population}, town_hall: {:?}, lat: {lat:?}, lon: {lon:?}, ferry_minutes: {ferry} }},\n",
            f[1], f[2], f[4]
        ));
    }
    out.push(']');
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("municipalities.rs");
    fs::write(dest, out).unwrap();
}
