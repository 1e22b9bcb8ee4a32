"""Geohash cells, decoded: the map facet's buckets are geohash cells (``geohash_grid``)."""

from __future__ import annotations

_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


def cell_bounds(geohash: str) -> tuple[float, float, float, float]:
    """``(south, west, north, east)`` of a geohash cell; ValueError for a character outside the alphabet."""
    lat, lon = [-90.0, 90.0], [-180.0, 180.0]
    even = True  # bits alternate, longitude first
    for ch in geohash.lower():
        value = _BASE32.index(ch)
        for bit in (16, 8, 4, 2, 1):
            rng = lon if even else lat
            mid = (rng[0] + rng[1]) / 2
            if value & bit:
                rng[0] = mid
            else:
                rng[1] = mid
            even = not even
    return lat[0], lon[0], lat[1], lon[1]


def located_in_cell(geohash: str, lat: float, lon: float) -> tuple[float, float]:
    """``(lat, lon)`` if it lies in the cell, else the cell's centre.

    A bucket's ``geo_centroid`` averages *every* location of the documents in the cell: an article naming
    Cairo and Damascus pulls both cells' dots to the sea between them. Inside its own cell the centroid is
    the better position (the real place); outside it, the cell is the truth.
    """
    south, west, north, east = cell_bounds(geohash)
    if south <= lat <= north and west <= lon <= east:
        return lat, lon
    return (south + north) / 2, (west + east) / 2
