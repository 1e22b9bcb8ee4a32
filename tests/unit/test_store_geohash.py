"""Geohash cells of the map facet: decoding, and keeping a bucket's dot inside its own cell."""

from __future__ import annotations

import pytest

from worker.store.geohash import cell_bounds, located_in_cell


def test_cell_bounds_of_known_cells():
    south, west, north, east = cell_bounds("sykz")  # Al-Hasakah, Syria (36.5 N, 40.75 E)
    assert south <= 36.51 <= north and west <= 40.74 <= east
    assert (north - south, east - west) == (0.17578125, 0.3515625)  # precision 4
    assert cell_bounds("") == (-90.0, -180.0, 90.0, 180.0)
    with pytest.raises(ValueError):
        cell_bounds("sya")  # "a" is not in the geohash alphabet


def test_a_centroid_pulled_out_of_its_cell_falls_back_to_the_cell_centre():
    assert located_in_cell("sykz", 36.51, 40.74) == (36.51, 40.74)
    # one article naming Cairo and Damascus: the Damascus cell's centroid lies between the two cities
    lat, lon = located_in_cell("svcy", 31.8, 33.7)  # svcy: Damascus (33.51 N, 36.29 E)
    south, west, north, east = cell_bounds("svcy")
    assert (lat, lon) == ((south + north) / 2, (west + east) / 2)
