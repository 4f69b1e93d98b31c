"""Text normalisation and tokenisation for Chinese and English customer questions.

Chinese is segmented with jieba (search mode, so long words also yield their parts) and, to
survive segmentation differences ("开个户" vs "开户"), also contributes its single characters
as low-weight tokens. English is lowercased, stop words are dropped and a light suffix
stemmer folds plurals and verb forms. A small synonym table maps bank vocabulary that
customers phrase differently (房贷 / 按揭, debit card / bank card) onto one token.

Traditional characters are folded to simplified ones through a table of the characters a
bank customer is likely to type (not a full converter; no extra dependency).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

_jieba_lock = threading.Lock()
_jieba_ready = False

# Bank words jieba's general dictionary splits or does not know.
DOMAIN_WORDS = [
    "转人工",
    "人工客服",
    "手机银行",
    "网上银行",
    "网银",
    "信用卡",
    "借记卡",
    "银行卡",
    "挂失",
    "补卡",
    "开户",
    "销户",
    "房贷",
    "按揭",
    "公积金",
    "定期存款",
    "活期存款",
    "大额存单",
    "理财",
    "理财产品",
    "基金",
    "转账",
    "跨行转账",
    "汇款",
    "境外汇款",
    "限额",
    "密码",
    "短信通知",
    "征信",
    "提前还款",
    "还款",
    "逾期",
    "额度",
    "分期",
    "年费",
    "积分",
    "投诉",
    "审批",
    "初审",
    "复审",
    "终审",
    "放款",
    "进度",
    "验证码",
    "U盾",
    "外币",
    "结汇",
    "购汇",
    "利率",
    "存款证明",
    "风险测评",
    "赎回",
    "申购",
    "账单",
    "最低还款",
    "预约",
    "网点",
    "营业时间",
    "消费贷",
    "经营贷",
    "抵押",
    "担保",
    "身份证",
    "护照",
    "冻结",
    "解冻",
    "激活",
]

# Characters and words that carry no meaning for retrieval.
ZH_STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 嘛 哦 我 你 您 他 她 它 我们 你们 是 在 有 和 与 及 或 就 都 也 "
    "要 想 请问 请 一下 一个 个 这 那 这个 那个 什么 怎么 怎样 如何 怎么样 可以 能 能不能 "
    "可不可以 会 吗 啥 哪 哪里 哪儿 多少 为什么 应该 需要 现在 已经 给 把 被 让 对 从 到 "
    "为 以 之 其 中 上 下 里 后 前 时 时候 ， 。 ？ ！ 、 ： ； ".split()
)
EN_STOPWORDS = frozenset(
    "a an the is are was were be been being am i me my mine you your we our us it its this "
    "that these those to of in on at for from by with about as into do does did doing done "
    "can could would should will shall may might must have has had having how what when "
    "where which who whom why please hi hello there and or but if so not no yes any some "
    "get got want need like just still now then than too very much many there here".split()
)

# Variant → canonical token (applied after segmentation / stemming).
SYNONYMS = {
    "按揭": "房贷",
    "住房贷款": "房贷",
    "房屋贷款": "房贷",
    "买房": "房贷",
    "mortgag": "房贷",
    "网银": "网上银行",
    "储蓄卡": "借记卡",
    "银行卡": "借记卡",
    "debit": "借记卡",
    "存折": "借记卡",
    "忘了": "忘记",
    "忘掉": "忘记",
    "forgot": "忘记",
    "forget": "忘记",
    "汇钱": "汇款",
    "打钱": "转账",
    "转钱": "转账",
    "transfer": "转账",
    "wire": "汇款",
    "remit": "汇款",
    "remitt": "汇款",
    "丢": "挂失",
    "丢了": "挂失",
    "丢失": "挂失",
    "遗失": "挂失",
    "lost": "挂失",
    "stolen": "挂失",
    "被盗": "挂失",
    "人工": "转人工",
    "人工服务": "转人工",
    "真人": "转人工",
    "客服人员": "转人工",
    "human": "转人工",
    "agent": "转人工",
    "operator": "转人工",
    "person": "转人工",
    "representative": "转人工",
    "staff": "转人工",
    "app": "手机银行",
    "mobil": "手机银行",
    "手机app": "手机银行",
    "onlin": "网上银行",
    "internet": "网上银行",
    "loan": "贷款",
    "贷款": "贷款",
    "borrow": "贷款",
    "借钱": "贷款",
    "card": "卡",
    "credit": "信用",
    "信用": "信用",
    "complaint": "投诉",
    "complain": "投诉",
    "fee": "费用",
    "charg": "费用",
    "收费": "费用",
    "手续费": "费用",
    "cost": "费用",
    "利息": "利率",
    "interest": "利率",
    "rate": "利率",
    "deposit": "存款",
    "saving": "存款",
    "存钱": "存款",
    "account": "账户",
    "账号": "账户",
    "帐户": "账户",
    "户头": "账户",
    "open": "开",
    "开通": "开",
    "办": "办理",
    "办理": "办理",
    "password": "密码",
    "pin": "密码",
    "passcod": "密码",
    "limit": "限额",
    "上限": "限额",
    "repay": "还款",
    "repayment": "还款",
    "还钱": "还款",
    "payment": "还款",
    "progress": "进度",
    "status": "进度",
    "到哪": "进度",
    "哪一步": "进度",
    "wealth": "理财",
    "invest": "理财",
    "投资": "理财",
    "hour": "营业时间",
    "营业": "营业时间",
    "开门": "营业时间",
    "son": "孩子",
    "daughter": "孩子",
    "kid": "孩子",
    "child": "孩子",
    "children": "孩子",
    "minor": "孩子",
    "儿子": "孩子",
    "女儿": "孩子",
    "小孩": "孩子",
    "未成年人": "孩子",
    "raise": "提高",
    "increas": "提高",
    "higher": "提高",
    "提额": "提高",
    "调高": "提高",
    "提升": "提高",
    "statement": "账单",
    "bill": "账单",
    "purchase": "transaction",
    "purchas": "transaction",
    "early": "提前",
    "ahead": "提前",
    "advance": "提前",
    "prepay": "提前还款",
    "questionnair": "测评",
    "questionnaire": "测评",
    "assessment": "测评",
    "assess": "测评",
    "问卷": "测评",
    "评估": "测评",
    "亏本": "亏损",
    "亏钱": "亏损",
    "亏": "亏损",
    "找不到": "挂失",
    "不见了": "挂失",
}

# Traditional → simplified for characters customers commonly type in banking questions.
_TRADITIONAL = (
    "貸贷 審审 轉转 號号 個个 們们 這这 麼么 麽么 請请 問问 開开 戶户 帳账 賬账 錢钱 銀银 "
    "餘余 額额 還还 貨货 匯汇 進进 樣样 辦办 碼码 證证 書书 態态 時时 間间 幾几 點点 電电 "
    "話话 網网 絡络 機机 動动 業业 務务 費费 關关 於于 為为 與与 從从 後后 讓让 給给 對对 "
    "說说 會会 發发 現现 當当 嗎吗 齊齐 準准 備备 資资 產产 財财 險险 單单 據据 歸归 處处 "
    "項项 詢询 負负 責责 記记 錄录 報报 訴诉 諮咨 購购 買买 賣卖 價价 損损 掛挂 補补 換换 "
    "舊旧 檔档 驗验 認认 識识 別别 稅税 終终 複复 復复 階阶 狀状 況况 結结 長长 門门 東东 "
    "車车 擔担 質质 週周 調调 聯联 繫系 專专 員员 經经 營营 櫃柜 檯台 臺台 隊队 預预 約约 "
    "線线 應应 載载 錯错 誤误 鎖锁 凍冻 頭头 際际 國国 幣币 兌兑 儲储 滿满 鐘钟 種种 類类 "
    "條条 違违 罰罚 貼贴 計计 總总 數数 庫库 傳传 郵邮 簡简 訊讯 設设 綁绑 註注 銷销 閉闭 "
    "聽听 見见 覺觉 讀读 寫写 學学 習习 實实 體体 優优 惠惠 積积 禮礼 贈赠 護护 廳厅 擊击 "
    "鍵键 輸输 顯显 誰谁 該该 須须 幫帮 謝谢 裡里 裏里 邊边 卻却 們们 沒没 麵面 戶户 "
    "轉转 帳账 額额 勞劳 紀纪 標标 準准 權权 級级 屬属 衝冲 歷历 銷销 續续 簽签 決决 "
    "議议 難难 題题 問问 答答 獲获 取取 領领 嗎吗 呢呢 啟启 動动 態态 詳详 細细 盜盗 刷刷 "
    "騙骗 竊窃 護护 衛卫 爭争 辭辞 職职 試试 視视 頁页 靈灵 碼码 鑰钥 匙匙 戶户 親亲 屬属 "
    "陽阳 陰阴 億亿 萬万 圓圆 張张 筆笔 鄉乡 縣县 區区 市市 號号 樓楼 層层 門门 館馆 "
    "丟丢 夠够 臉脸 掃扫 撥拨 隨随 贖赎 虧亏 賠赔 償偿 繳缴 納纳 來来 過过 憑凭 統统 詐诈 "
    "離离 遠远 鬆松 擬拟 兒儿 孫孙 媽妈 鑑鉴 隱隐 齡龄 歲岁 兩两 塊块 僅仅 壞坏 雙双 層层 "
    "啓启 喚唤 異异 紙纸 約约 給给 緊紧 維维 網网 總总 織织 繼继 續续 纔才 鐵铁 錶表 "
    "頁页 順顺 預预 領领 頻频 顧顾 風风 飛飞 驗验 鬧闹 魚鱼 鳥鸟 麥麦 黃黄 齒齿 龍龙"
)
TRADITIONAL_TO_SIMPLIFIED = str.maketrans(
    {pair[0]: pair[1] for pair in _TRADITIONAL.split() if len(pair) == 2 and pair[0] != pair[1]}
)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_HAS_CJK = re.compile(rf"[{_CJK}]")
# Weight of a single Chinese character relative to a word (see module docstring).
CHAR_WEIGHT = 0.3


def ensure_jieba() -> None:
    """Load jieba's bundled dictionary once per process, quietly (it never downloads: the
    dictionary ships inside the package; the prefix cache goes to the temp directory)."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if _jieba_ready:
            return
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        for word in DOMAIN_WORDS:
            jieba.add_word(word, freq=200000)
        _jieba_ready = True


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return text.translate(TRADITIONAL_TO_SIMPLIFIED)


def is_chinese(text: str) -> bool:
    return bool(_HAS_CJK.search(normalise(text)))


def stem(word: str) -> str:
    """A light English stemmer: enough to fold cards/card, opening/open, charged/charge."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("ing", ""),
        ("edly", ""),
        ("ed", ""),
        ("ly", ""),
        ("es", ""),
        ("s", ""),
        ("e", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def _canonical(token: str) -> str:
    return SYNONYMS.get(token, token)


@lru_cache(maxsize=4096)
def _segment(run: str) -> tuple[str, ...]:
    import jieba

    ensure_jieba()
    return tuple(jieba.lcut_for_search(run, HMM=True))


def tokens(text: str) -> dict[str, float]:
    """Weighted bag of tokens: words weigh 1 per occurrence, single Chinese characters
    CHAR_WEIGHT (prefixed `c:` so they never collide with a one-character word)."""
    return dict(_tokens(text or ""))


@lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[tuple[str, float], ...]:
    # Cached: index rebuilds re-tokenise mostly unchanged documents.
    bag: dict[str, float] = {}

    def add(token: str, weight: float) -> None:
        bag[token] = bag.get(token, 0.0) + weight

    for run in _RUNS.findall(normalise(text)):
        if _HAS_CJK.match(run):
            for word in _segment(run):
                if word not in ZH_STOPWORDS and word.strip():
                    add(_canonical(word), 1.0)
            for char in run:
                if char not in ZH_STOPWORDS:
                    add("c:" + char, CHAR_WEIGHT)
        elif run not in EN_STOPWORDS:
            add(SYNONYMS.get(run) or _canonical(stem(run)), 1.0)
    return tuple(bag.items())
