from __future__ import annotations

import re

from medskapa.catalogue.demo import read_demo

KEY = re.compile(r"^[0-9]+(\.[0-9]+)*-[a-z0-9]+(-[a-z0-9]+)*$")


def test_demo_content_is_complete_and_consistent() -> None:
    content = read_demo()
    areas = {a.slug for a in content.programme_areas}
    groups = {g.slug for g in content.subject_groups}
    assert all(g.programme_area in areas for g in content.subject_groups)
    assert len(content.documents) >= 8
    assert sum(len(d.versions) > 1 for d in content.documents) >= 2
    for document in content.documents:
        assert document.subject_group in groups, document.slug
        newest = document.versions[-1]
        assert 5 <= len(newest.sections) <= 12, document.slug
        for version in document.versions:
            keys = [s.key for s in version.sections]
            assert len(keys) == len(set(keys)), (document.slug, version.label)
            assert all(KEY.match(k) for k in keys), keys
            assert all(s.body.strip() for s in version.sections)
