"""The TPS master list and published results read from files: every bad line named, codes
joined only by code, KPU's shapes mapped (archive_app/recap/master_list.py,
published_files.py)."""

from __future__ import annotations

import json
import os

import pytest

from archive_app.recap.master_list import ListError, parse_files
from archive_app.recap.published_files import PublishedError, read_files
from archive_app.storage.given_files import MAX_GIVEN_BYTES


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_list_gives_stations_and_names_by_code(tmp_path):
    found = parse_files(
        [
            write(
                tmp_path / "tps.csv",
                (
                    "Kode_TPS;Provinsi;Kabupaten/Kota;Kecamatan;Kelurahan/Desa;DPT\n"
                    "33.13.05.2001.001;JAWA TENGAH;Karanganyar;Jaten;Papahan;250\n"
                    "3313052001002;Jawa Tengah;Karanganyar;Jaten;Papahan;\n"
                ),
            )
        ]
    )
    assert found.stations == {"3313052001001": 250, "3313052001002": None}
    assert found.names == {
        "33": "Jawa Tengah",
        "3313": "Karanganyar",
        "331305": "Jaten",
        "3313052001": "Papahan",
    }


def test_village_code_and_tps_number_make_the_code(tmp_path):
    found = parse_files([write(tmp_path / "a.csv", "kode_desa,tps,dpt\n3313052001,TPS 7,12\n")])
    assert found.stations == {"3313052001007": 12}


def test_bad_lines_are_named_and_nothing_is_kept(tmp_path):
    text = (
        "kode_tps,kode_kecamatan,dpt\n"
        "3313052001001,331305,250\n"
        "331305200101,,250\n"  # 12 digits
        "3313052001000,,1\n"  # TPS 000
        "3313052001002,331306,1\n"  # not its district
        "3313052001003,,lots\n"
        "3313052001001,,249\n"  # the same TPS with another DPT
    )
    with pytest.raises(ListError) as exc:
        parse_files([write(tmp_path / "bad.csv", text)])
    errors = exc.value.errors
    assert [e.split(":")[0] for e in errors] == [f"bad.csv line {n}" for n in (3, 4, 5, 6, 7)]
    assert "13 digits" in errors[0] and "TPS 000" in errors[1] and "331306" in errors[2]
    assert "DPT 'lots'" in errors[3] and "line 2" in errors[4]
    assert "nothing imported" in str(exc.value)


def test_a_csv_without_codes_is_refused_whatever_names_it_has(tmp_path):
    with pytest.raises(ListError, match="kode_tps column"):
        parse_files([write(tmp_path / "n.csv", "provinsi,kelurahan,tps\nJawa Tengah,Papahan,1\n")])


def test_kpu_region_lists_give_names_and_stations_with_their_lines(tmp_path):
    regions = [
        {"nama": "JAWA TENGAH", "id": 1, "kode": "33", "tingkat": 1},
        {"nama": "PAPAHAN", "id": 9, "kode": "3313052001", "tingkat": 4},
    ]
    stations = (
        '[\n {"nama": "TPS 001", "id": 1, "kode": "3313052001001", "tingkat": 5},\n'
        ' {"nama": "TPS 002", "id": 2, "kode": "331305200", "tingkat": 5}\n]'
    )
    with pytest.raises(ListError) as exc:
        parse_files(
            [
                write(tmp_path / "0.json", json.dumps(regions)),
                write(tmp_path / "3313052001.json", stations),
            ]
        )
    assert exc.value.errors == [
        "3313052001.json line 3: kode '331305200' must be 13 digits at tingkat 5"
    ]
    good = stations.replace('"331305200"', '"3313052001002"')
    found = parse_files(
        [write(tmp_path / "0.json", json.dumps(regions)), write(tmp_path / "3313052001.json", good)]
    )
    assert sorted(found.stations) == ["3313052001001", "3313052001002"]
    assert found.names["33"] == "Jawa Tengah"


def test_kpu_tps_json_maps_chart_and_administrasi(tmp_path):
    tps = {
        "chart": {"100025": 30, "100026": 702, "100027": 20, "null": None},
        "administrasi": {
            "suara_sah": 752,
            "suara_tidak_sah": 3,
            "suara_total": 755,
            "pemilih_dpt_j": 250,
            "pengguna_dptb_j": 4,
            "pengguna_total_j": 755,
        },
        "images": ["x.jpg"],
        "ts": "2024-02-15 10:00:00",
        "psu": None,
    }
    mapping = {
        "100025": {"nomor_urut": 1},
        "100026": {"nomor_urut": 2},
        "100027": {"nomor_urut": 3},
    }
    batch = read_files(
        [write(tmp_path / "3313052001001.json", json.dumps(tps))],
        election="PPWP",
        year=2024,
        candidates=write(tmp_path / "ppwp.json", json.dumps(mapping)),
    )
    figures = {c: v for (region, c), (v, _) in batch.figures.items()}
    assert figures == {
        "1": 30,
        "2": 702,
        "3": 20,
        "valid": 752,
        "invalid": 3,
        "ballots_used": 755,
        "voters.dpt.JML": 250,
        "users.dptb.JML": 4,
        "users.total.JML": 755,
    }
    assert {region for region, _ in batch.figures} == {"3313052001001"}
    assert batch.figures[("3313052001001", "1")][1] == "2024-02-15 10:00:00"
    with pytest.raises(PublishedError, match="--candidates"):
        read_files([tmp_path / "3313052001001.json"], election="PPWP", year=2024)


def test_region_tables_and_legislative_charts(tmp_path):
    region = {
        "table": {
            "3313052001": {"1": 100, "2": 50, "psu": None, "persen": 99.5},
            "3313052002": None,
            "3314": {"1": 1},
        },
        "chart": {"1": 100, "2": 50},
        "progres": {"total": 2, "progres": 1},
    }
    with pytest.raises(PublishedError) as exc:
        read_files(
            [write(tmp_path / "331305.json", json.dumps(region))], election="PPWP", year=2024
        )
    assert "'3314' is not a region under 33.13.05" in str(exc.value)
    del region["table"]["3314"]
    again = write(tmp_path / "331305.json", json.dumps(region))
    batch = read_files([again], election="PPWP", year=2024, series="rekap")
    assert batch.figures[("3313052001", "1")][0] == 100 and batch.series == "rekap"
    assert ("331305", "2") in batch.figures
    dpr = {"chart": {"1": {"jml_suara_total": 40, "jml_suara_partai": 10}}}
    batch = read_files(
        [write(tmp_path / "3313052001001.json", json.dumps(dpr))], election="DPR", year=2024
    )
    assert {c: v for (_, c), (v, _) in batch.figures.items()} == {"1": 40, "1.0": 10}


def test_a_published_csv_names_its_bad_lines(tmp_path):
    text = "kode,calon,suara,ts\n3313052001001,1,10,t1\n33130520010,1,10,\n3313052001001,2,-4,\n"
    with pytest.raises(PublishedError) as exc:
        read_files([write(tmp_path / "p.csv", text)], election="PPWP", year=2024)
    assert exc.value.errors == [
        "p.csv line 2: ts 't1' is not a date and time such as 2024-02-15 10:00:00",
        "p.csv line 3: kode '33130520010' is not a region or TPS code",
        "p.csv line 4: suara '-4' is not a whole number",
    ]


@pytest.mark.parametrize("ts", ["2024-13-45", "2024-02-30 10:00:00", "2024-02-15 25:00:00",
                                "2024-02-15 10:00:00.000000000000000000"])  # fmt: skip
def test_a_published_time_that_is_no_date_and_time_is_refused_naming_its_line(tmp_path, ts):
    """GIVEN a figure whose ts is no real time (month 13, 30 February, past the column's
    32 characters) WHEN read THEN its line (or its JSON file) is named and nothing is read:
    the time was kept, and the changes between imports are told by it."""
    text = f"kode,calon,suara,ts\n3313052001001,1,10,2024-02-15 10:00:00\n3313052001001,2,5,{ts}\n"
    with pytest.raises(PublishedError) as exc:
        read_files([write(tmp_path / "p.csv", text)], election="PPWP", year=2024)
    assert exc.value.errors == [
        f"p.csv line 3: ts {ts!r} is not a date and time such as 2024-02-15 10:00:00"
    ]
    tps = {"chart": {"1": 30}, "ts": ts}
    with pytest.raises(PublishedError, match="3313052001001.json ts: ts"):
        read_files(
            [write(tmp_path / "3313052001001.json", json.dumps(tps))], election="DPR", year=2024
        )


def test_a_published_time_may_be_left_out_or_written_the_iso_way(tmp_path):
    text = "kode,calon,suara,ts\n3313052001001,1,10,\n3313052001001,2,5,2024-02-15T10:00:00+07:00\n"
    batch = read_files([write(tmp_path / "p.csv", text)], election="PPWP", year=2024)
    assert batch.figures[("3313052001001", "1")] == (10, "")
    assert batch.figures[("3313052001001", "2")] == (5, "2024-02-15T10:00:00+07:00")


# --- inputs that are not lists at all: refused as bad lines, never a hang, flood or traceback


def special_file(tmp_path, kind: str, name: str):
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:  # a file over the bound, sparse so that the test writes nothing
        with open(path, "wb") as fh:
            fh.truncate(MAX_GIVEN_BYTES + 1)
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [("fifo", "not a regular file"), ("dev-zero", "not a regular file"), ("huge", "over 64 MB")],
)
def test_given_a_fifo_dev_zero_or_a_huge_file_the_master_list_is_refused(tmp_path, kind, message):
    path = special_file(tmp_path, kind, "list.csv")
    with pytest.raises(
        ListError, match=f"nothing imported:\n.*list.csv: cannot be read .*{message}"
    ):
        parse_files([path])


@pytest.mark.parametrize(
    ("kind", "message"),
    [("fifo", "not a regular file"), ("dev-zero", "not a regular file"), ("huge", "over 64 MB")],
)
def test_given_a_fifo_dev_zero_or_a_huge_file_no_result_is_imported(tmp_path, kind, message):
    path = special_file(tmp_path, kind, "3313052001001.json")
    good = write(tmp_path / "3313052001002.json", json.dumps({"chart": {"1": 10}}))
    with pytest.raises(
        PublishedError, match=f"nothing imported:\n.*json: cannot be read .*{message}"
    ):
        read_files([good, path], election="ppwp", year=2024)
    candidates = special_file(tmp_path, kind, "candidates.csv")
    with pytest.raises(PublishedError, match=f"candidates.csv: cannot be read .*{message}"):
        read_files([good], election="ppwp", year=2024, candidates=candidates)


def test_a_master_list_field_over_the_csv_limit_names_its_line(tmp_path):
    path = write(
        tmp_path / "list.csv",
        "kode_tps,desa\n3313052001001,A\n3313052001002," + "x" * 1_000_000 + "\n",
    )
    with pytest.raises(
        ListError, match="list.csv line 3: is not CSV .field larger than field limit"
    ):
        parse_files([path])


def test_a_published_csv_field_over_the_csv_limit_names_its_line(tmp_path):
    path = write(
        tmp_path / "r.csv",
        "kode,calon,suara\n3313052001001,1,5\n3313052001002,1," + "9" * 1_000_000 + "\n",
    )
    with pytest.raises(
        PublishedError, match="r.csv line 3: is not CSV .field larger than field limit"
    ):
        read_files([path], election="ppwp", year=2024)
    mapping = write(
        tmp_path / "ids.csv", "id,candidate\n100025,1\n100026," + "2" * 1_000_000 + "\n"
    )
    good = write(tmp_path / "3313052001001.json", json.dumps({"chart": {"1": 10}}))
    with pytest.raises(PublishedError, match="ids.csv line 3: is not CSV"):
        read_files([good], election="ppwp", year=2024, candidates=mapping)


def test_json_nested_100000_deep_is_refused_as_not_json(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    results = write(tmp_path / "3313052001001.json", '{"chart": ' + deep + "}")
    with pytest.raises(PublishedError, match="3313052001001.json: is not JSON .maximum recursion"):
        read_files([results], election="ppwp", year=2024)
    mapping = write(tmp_path / "ids.json", deep)
    good = write(tmp_path / "3313052001002.json", json.dumps({"chart": {"1": 10}}))
    with pytest.raises(PublishedError, match="ids.json: is not JSON .maximum recursion"):
        read_files([good], election="ppwp", year=2024, candidates=mapping)
    regions_list = write(tmp_path / "regions.json", "[" + deep + "]")
    with pytest.raises(ListError, match="regions.json: is not a JSON list of regions .maximum"):
        parse_files([regions_list])
