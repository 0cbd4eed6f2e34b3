import gzip

import pytest

from lrs.vc import statuslist


def test_an_encoded_list_decodes_to_the_same_bits_most_significant_bit_first():
    encoded = statuslist.encode([0, 9, 131_071])
    assert encoded.startswith("u")
    assert "=" not in encoded
    bits = statuslist.decode(encoded)
    assert len(bits) == 16_384
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000
    assert [i for i in (0, 1, 8, 9, 131_070, 131_071) if statuslist.bit(bits, i)] == [0, 9, 131_071]


def test_the_same_bits_always_encode_to_the_same_text():
    assert statuslist.encode([5, 3]) == statuslist.encode([3, 5])
    assert gzip.decompress(
        __import__("base64").urlsafe_b64decode(statuslist.encode([])[1:] + "==")
    ) == bytes(16_384)


def test_a_list_shorter_than_the_specifications_minimum_is_refused():
    with pytest.raises(statuslist.StatusListError, match="at least 131072"):
        statuslist.encode([], length=1024)


def test_indexes_outside_the_list_and_malformed_lists_are_refused_with_a_reason():
    with pytest.raises(statuslist.StatusListError, match="outside"):
        statuslist.encode([131_072])
    with pytest.raises(statuslist.StatusListError, match="outside"):
        statuslist.bit(statuslist.decode(statuslist.encode([])), 131_072)
    with pytest.raises(statuslist.StatusListError, match="must start with u"):
        statuslist.decode("zabc")
    with pytest.raises(statuslist.StatusListError, match="GZIP"):
        statuslist.decode("uAAAA")


def test_a_status_entry_points_at_its_bit_in_the_list_credential():
    assert statuslist.entry(list_url="https://lrs.test/credentials/status/2", index=40) == {
        "id": "https://lrs.test/credentials/status/2#40",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "40",
        "statusListCredential": "https://lrs.test/credentials/status/2",
    }
