"""``kam demo``: a synthetic ledger shaped like the sample, for trying kam at scale.

Deterministic: the same seed, account count and end date give byte-identical files. Each account
has a dossier with four contacts and two years of monthly revenue, about 50 visits (one every
two weeks, the last of them planned) and about 5 complaints, each closed one followed up by a
visit. The ledger validates without errors.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from ledger.workflow.scaffold import yaml_scalar

_CITIES = ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "无锡", "温州", "常州", "嘉兴")
_INDUSTRIES = ("制造", "物流", "零售", "医药", "金融", "能源", "酒店", "汽车", "电信", "食品")
_SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲"
_MANAGERS = ("王磊", "李娜", "张伟", "陈静", "赵敏", "周杰", "吴芳", "孙强")
_ROLES = (
    ("总经理", "decision_maker"),
    ("采购经理", "buyer"),
    ("技术主管", "user"),
    ("财务总监", "influencer"),
)
_MODES = ("onsite", "phone", "phone", "video", "message", "email")
_PURPOSES = ("定期回访", "交易后回访", "需求沟通", "节日问候", "新品介绍")
_SATISFACTION = ("satisfied", "satisfied", "satisfied", "neutral", "dissatisfied")
_CATEGORIES = ("product.defect", "service.punctuality", "delivery", "billing", "other")
_SEVERITIES = ("low", "medium", "medium", "high", "critical")
_ATTITUDES = ("supporter", "neutral", "neutral", "critic")

VISITS_PER_ACCOUNT = 50
COMPLAINTS_PER_ACCOUNT = 5
MONTHS = 24


def demo_files(accounts: int, seed: int, until: dt.date) -> Iterator[tuple[str, str]]:
    """(relative path, text) of every file of the demo ledger, in a fixed order."""
    yield "ledger.yaml", _settings(accounts)
    for n in range(accounts):
        rng = random.Random(f"{seed}:{n}")
        yield from _account(rng, f"acct-{n:05d}", n, until)


def write_demo(dest: Path, accounts: int, seed: int, until: dt.date) -> int:
    """Write the demo ledger into ``dest`` (which must not exist or be empty); the file count."""
    count = 0
    for rel, text in demo_files(accounts, seed, until):
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
        count += 1
    return count


def _settings(accounts: int) -> str:
    return (
        f"# Synthetic ledger written by 'kam demo' ({accounts} accounts); not real customers.\n"
        "name: 演示台账\n"
        "currency: CNY\n"
        "locale: zh-CN\n"
        "tiers: {method: pareto, measure: revenue, window_months: 12, "
        "cutoffs: {A: 0.80, B: 0.95}}\n"
        "revisit:\n"
        "  interval_days: {A: 30, B: 60, C: 90, default: 90}\n"
        "  after_complaint_days: 3\n"
        "  birthdays: true\n"
        "  holidays: {country: CN, tiers: [A]}\n"
        "complaints:\n"
        "  resolve_within_days: {critical: 1, high: 3, medium: 7, low: 14}\n"
    )


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _months_back(until: dt.date, count: int) -> list[str]:
    year, month = until.year, until.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def _account(rng: random.Random, account: str, n: int, until: dt.date) -> Iterator[tuple[str, str]]:
    """The files of one account. (The random draws keep their order: same seed, same ledger.)"""
    manager = _MANAGERS[n % len(_MANAGERS)]
    contacts = [f"c{i}" for i in range(len(_ROLES))]
    yield f"{account}/dossier.yaml", _dossier(rng, n, until, manager)
    start = until - dt.timedelta(days=14 * (VISITS_PER_ACCOUNT - 1))
    yield from _complaints(rng, account, start, until, manager, contacts)
    yield from _visits(rng, account, start, until, manager, contacts)


def _dossier(rng: random.Random, n: int, until: dt.date, manager: str) -> str:
    city = rng.choice(_CITIES)
    industry = rng.choice(_INDUSTRIES)
    # A long tail, as real books have: a few large accounts, many small ones.
    base = int(5_000_000 / (1 + n % 200) ** 0.9 * rng.uniform(0.6, 1.4)) + 10_000
    lines = [
        f"name: {city}{industry}演示公司{n:05d}",
        f"short_name: {city}{industry}{n:05d}",
        f"industry: {industry}",
        f"region: {city}",
        f"manager: {manager}",
        "status: active",
        f"since: {until.year - rng.randint(2, 10)}-{rng.randint(1, 12):02d}-01",
        f"reviewed_on: {until - dt.timedelta(days=rng.randint(1, 150))}",
        f"credit: {{limit: {base * 3}, terms_days: 60, outstanding: {base}, overdue: 0}}",
        "contacts:",
    ]
    for i, (role, decision) in enumerate(_ROLES):
        cid = f"c{i}"
        birthday = f"{rng.randint(1960, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines += [
            f"  - id: {cid}",
            f"    name: {_person(rng)}",
            f"    role: {role}",
            f"    decision_role: {decision}",
            f"    birthday: {birthday}",
            f"    attitude: {rng.choice(_ATTITUDES)}",
        ]
        if rng.random() < 0.2:
            lines.append("    birthday_calendar: lunar")
    lines.append("revenue:")
    for period in _months_back(until, MONTHS):
        amount = int(base * rng.uniform(0.8, 1.2))
        lines.append(f"  - {{period: {period}, amount: {amount}, profit: {amount // 6}}}")
    lines.append(f"notes: {yaml_scalar('演示客户：' + industry + '行业，' + city + '。')}")
    return "\n".join(lines) + "\n"


def _complaints(
    rng: random.Random,
    account: str,
    start: dt.date,
    until: dt.date,
    manager: str,
    contacts: list[str],
) -> Iterator[tuple[str, str]]:
    """Complaints, each closed one followed up by a visit three days later."""
    complaint_days = sorted(
        rng.sample(range(14 * (VISITS_PER_ACCOUNT - 2)), COMPLAINTS_PER_ACCOUNT)
    )
    for i, offset in enumerate(complaint_days):
        opened = start + dt.timedelta(days=offset)
        cid = f"{opened}-c{i}"
        status = "closed" if opened < until - dt.timedelta(days=30) else "in_progress"
        text = [
            f"opened: {opened}",
            f"summary: 演示投诉 {i + 1}：交付或服务问题",
            f"category: {rng.choice(_CATEGORIES)}",
            f"severity: {rng.choice(_SEVERITIES)}",
            f"status: {status}",
            f"raised_by: {rng.choice(contacts)}",
            f"owner: {manager}",
            f"acknowledged: {opened}",
        ]
        if status == "closed":
            resolved = opened + dt.timedelta(days=rng.randint(0, 2))
            text += [f"resolved: {resolved}", "resolution: 已处理并与客户确认"]
        yield f"{account}/complaints/{cid}.yaml", "\n".join(text) + "\n"
        if status == "closed":
            follow = opened + dt.timedelta(days=3)
            yield (
                f"{account}/visits/{follow}-f{i}.yaml",
                f"date: {follow}\nkind: complaint_follow_up\nmode: phone\nby: {manager}\n"
                f"received_by: [{rng.choice(contacts)}]\nfollows_up: {cid}\n"
                "summary: 投诉处理后回访，客户认可处理结果。\nsatisfaction: satisfied\n",
            )


def _visits(
    rng: random.Random,
    account: str,
    start: dt.date,
    until: dt.date,
    manager: str,
    contacts: list[str],
) -> Iterator[tuple[str, str]]:
    """A visit every two weeks, the last one planned a week ahead."""
    for i in range(VISITS_PER_ACCOUNT - COMPLAINTS_PER_ACCOUNT):
        day = start + dt.timedelta(days=14 * i)
        planned = i == VISITS_PER_ACCOUNT - COMPLAINTS_PER_ACCOUNT - 1
        text = [
            f"date: {day}" if not planned else f"date: {until + dt.timedelta(days=7)}",
            "status: planned" if planned else "status: done",
            f"kind: {'periodic' if i % 3 else 'post_transaction'}",
            f"mode: {rng.choice(_MODES)}",
            f"by: {manager}",
            f"received_by: [{rng.choice(contacts)}]",
            f"purpose: {rng.choice(_PURPOSES)}",
        ]
        if not planned:
            text += [
                "summary: 例行沟通，了解客户近期经营情况与需求变化。",
                f"satisfaction: {rng.choice(_SATISFACTION)}",
            ]
        name = day if not planned else until + dt.timedelta(days=7)
        yield f"{account}/visits/{name}-v{i:02d}.yaml", "\n".join(text) + "\n"
