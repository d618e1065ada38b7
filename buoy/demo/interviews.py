"""Synthetic casework interviews for the demo department: what a caregiver says that the
strengths codebook codes, in Chinese and English, and the goals written with caregivers.

Each codebook factor the demo uses has a worker's question and a caregiver's answer; the answer
holds the passage that is coded (`phrase`, a part of the answer). An interview is an opening,
the exchanges of the family's factors, and a closing line, so every family's interview differs
in what it holds but reads like one conversation. No real person is in any of it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exchange:
    """A worker's question and the caregiver's answer, `phrase` the coded part of `answer`."""

    question: str
    answer: str
    phrase: str


def _zh(question: str, answer: str, phrase: str) -> Exchange:
    return Exchange(question, answer, phrase)


_en = _zh  # the same shape in English; tests/test_demo.py checks each phrase is in its answer

# How a Chinese-speaking family names the caregiver's relationship to the child.
RELATIONSHIP_ZH = {"mother": "妈妈", "father": "爸爸", "grandmother": "奶奶"}

# What caregivers say at intake, by factor code (strengths codebook v1).
INTAKE_ZH: dict[str, Exchange] = {
    "P-IND-01": _zh(
        "确诊以后您是怎么了解这个病的？",
        "我每天把医生查房说的话记在本子上，不懂的就去问护士。",
        "我每天把医生查房说的话记在本子上",
    ),
    "R-IND-01": _zh(
        "治疗的事情您平时会问医生吗？",
        "我不太敢问，医生说什么就是什么，我也不知道该做什么。",
        "我也不知道该做什么",
    ),
    "P-IND-02": _zh(
        "您对以后怎么看？", "我相信孩子会好起来的，一天比一天好。", "我相信孩子会好起来的"
    ),
    "P-IND-03": _zh(
        "这段时间对您来说意味着什么？",
        "这场病让我们一家人更懂得珍惜彼此。",
        "这场病让我们一家人更懂得珍惜彼此",
    ),
    "P-IND-04": _zh(
        "难过的时候您怎么办？",
        "难受的时候我就到走廊走一走，深呼吸几次就好多了。",
        "深呼吸几次就好多了",
    ),
    "P-IND-05": _zh(
        "孩子的护理您做得来吗？",
        "换药、量体温这些我现在都会做了。",
        "换药、量体温这些我现在都会做了",
    ),
    "R-IND-02": _zh(
        "您最近睡得怎么样？",
        "我整夜睡不着，一想到孩子的病就心慌。",
        "我整夜睡不着，一想到孩子的病就心慌",
    ),
    "R-IND-03": _zh(
        "您会不会怪自己？",
        "我总觉得是我没照顾好孩子才得了这个病。",
        "我总觉得是我没照顾好孩子",
    ),
    "R-IND-04": _zh(
        "您自己身体还好吗？",
        "我已经好几个月没睡过一个整觉，腰也疼得厉害。",
        "我已经好几个月没睡过一个整觉",
    ),
    "P-FAM-01": _zh(
        "家里人是怎么分工的？",
        "我们一家人轮流守在病房，谁累了就换谁。",
        "我们一家人轮流守在病房",
    ),
    "P-FAM-04": _zh(
        "家里还有别的孩子吗？",
        "孩子的爷爷奶奶从老家过来，帮我们照顾小的。",
        "孩子的爷爷奶奶从老家过来",
    ),
    "R-FAM-02": _zh(
        "家里其他孩子怎么样？",
        "老大一个人留在老家上学，半年没见到我们了。",
        "老大一个人留在老家上学",
    ),
    "R-FAM-03": _zh(
        "有人跟您换班吗？",
        "孩子爸爸在外地打工，医院里就我一个人撑着。",
        "医院里就我一个人撑着",
    ),
    "P-SOC-01": _zh(
        "在病房里认识其他家长了吗？",
        "隔壁床的家长经常安慰我，还教我怎么给孩子做饭。",
        "隔壁床的家长经常安慰我",
    ),
    "R-SOC-01": _zh(
        "来这边以后生活习惯吗？",
        "我们从老家过来，在这里一个熟人也没有。",
        "在这里一个熟人也没有",
    ),
    "P-SOC-03": _zh(
        "有没有机构帮过你们？",
        "有个基金会帮我们申请到了一笔救助款。",
        "有个基金会帮我们申请到了一笔救助款",
    ),
    "P-MED-01": _zh(
        "您觉得医护团队怎么样？",
        "我们信任主治医生，她每次都解释得很清楚。",
        "我们信任主治医生",
    ),
    "P-MED-02": _zh(
        "孩子的治疗效果怎么样？",
        "医生说孩子对治疗的反应很好，指标都在往好的方向走。",
        "孩子对治疗的反应很好",
    ),
    "P-MED-03": _zh(
        "关于治疗您了解多少？",
        "上次的家长课讲了化疗的副作用，我现在知道该注意什么了。",
        "我现在知道该注意什么了",
    ),
    "R-MED-01": _zh(
        "医生最近跟您谈了什么？",
        "医生说孩子的病复发了，还要换一种方案。",
        "孩子的病复发了",
    ),
    "R-MED-02": _zh(
        "治疗还要多久？",
        "这已经是第五次住院了，后面还要治两年。",
        "这已经是第五次住院了",
    ),
    "R-MED-04": _zh(
        "在外地看病方便吗？",
        "异地就医报销要先垫钱，手续要回老家办。",
        "异地就医报销要先垫钱",
    ),
    "P-ECO-01": _zh(
        "费用方面压力大吗？", "医保和大病保险报了大部分，还能承受。", "医保和大病保险报了大部分"
    ),
    "R-ECO-01": _zh(
        "费用方面压力大吗？",
        "已经花了三十多万，家里的积蓄都用完了，还欠了债。",
        "家里的积蓄都用完了，还欠了债",
    ),
    "R-ECO-03": _zh(
        "工作受影响了吗？",
        "为了陪孩子我把工作辞了，家里少了一份收入。",
        "我把工作辞了，家里少了一份收入",
    ),
    "P-CUL-01": _zh(
        "是什么让您坚持下来的？", "为了孩子，再难我也要撑下去。", "为了孩子，再难我也要撑下去"
    ),
    "P-CUL-02": _zh(
        "钱不够的时候怎么办？",
        "亲戚们你一千我两千，凑了一些给我们。",
        "亲戚们你一千我两千，凑了一些给我们",
    ),
    "P-CUL-03": _zh(
        "这么辛苦，您是怎么熬过来的？",
        "苦一点没关系，我们农村人能吃苦。",
        "我们农村人能吃苦",
    ),
    "R-CUL-01": _zh(
        "有没有想过申请救助或者筹款？",
        "我不好意思开口求人，怕别人说闲话。",
        "我不好意思开口求人",
    ),
    "R-CUL-02": _zh("您怎么看孩子得病这件事？", "可能这就是命吧，我们也没办法。", "可能这就是命吧"),
}

INTAKE_EN: dict[str, Exchange] = {
    "P-IND-01": _en(
        "How have you learned about the illness since the diagnosis?",
        "I write down what the doctors say on every ward round and ask the nurses about "
        "anything I do not understand.",
        "I write down what the doctors say on every ward round",
    ),
    "R-IND-01": _en(
        "Do you ask the doctors about the treatment?",
        "Not really. I just do what they say; I would not know what to do myself.",
        "I would not know what to do myself",
    ),
    "P-IND-02": _en(
        "How do you see the months ahead?",
        "I believe my child will get better, a little every day.",
        "I believe my child will get better",
    ),
    "P-IND-03": _en(
        "What has this time meant for you?",
        "This illness has taught our family to value each other.",
        "taught our family to value each other",
    ),
    "P-IND-04": _en(
        "What do you do when it gets too much?",
        "When it gets too much I walk down the corridor and take a few deep breaths.",
        "take a few deep breaths",
    ),
    "P-IND-05": _en(
        "Can you manage the care at the bedside?",
        "I can change the dressing and take the temperature on my own now.",
        "I can change the dressing and take the temperature on my own now",
    ),
    "R-IND-02": _en(
        "How have you been sleeping?",
        "I lie awake all night, and my heart races whenever I think about the illness.",
        "I lie awake all night",
    ),
    "R-IND-03": _en(
        "Do you blame yourself?",
        "I keep thinking it happened because I did not look after my child well enough.",
        "because I did not look after my child well enough",
    ),
    "R-IND-04": _en(
        "How is your own health?",
        "I have not slept a whole night for months and my back hurts all the time.",
        "I have not slept a whole night for months",
    ),
    "P-FAM-01": _en(
        "How does the family share the care?",
        "We take turns on the ward, and whoever is tired goes home to rest.",
        "We take turns on the ward",
    ),
    "P-FAM-04": _en(
        "Who looks after the other children?",
        "My parents moved in with us to look after the little one.",
        "My parents moved in with us",
    ),
    "R-FAM-02": _en(
        "How are the other children?",
        "Our eldest stays with neighbours at home; we have hardly seen him in months.",
        "we have hardly seen him in months",
    ),
    "R-FAM-03": _en(
        "Does anyone take over from you?",
        "My partner works in another city, so I am on my own here.",
        "I am on my own here",
    ),
    "P-SOC-01": _en(
        "Have you met other parents on the ward?",
        "The parents in the next bed cheer me up and showed me how to cook for the ward.",
        "The parents in the next bed cheer me up",
    ),
    "R-SOC-01": _en(
        "Have you settled in here?",
        "We moved here for the treatment and do not know anyone in this city.",
        "do not know anyone in this city",
    ),
    "P-SOC-03": _en(
        "Has any organisation helped you?",
        "A charity helped us apply for a grant towards the treatment.",
        "A charity helped us apply for a grant",
    ),
    "P-MED-01": _en(
        "How do you find the care team?",
        "We trust the consultant; she always explains things clearly.",
        "We trust the consultant",
    ),
    "P-MED-02": _en(
        "How is the treatment going?",
        "The doctors say the treatment is working well and the counts are going the right way.",
        "the treatment is working well",
    ),
    "P-MED-03": _en(
        "How much do you know about the treatment?",
        "The parents' class explained the side effects, so I know what to watch for now.",
        "I know what to watch for now",
    ),
    "R-MED-01": _en(
        "What did the doctors tell you last week?",
        "The illness has come back and they are changing the treatment.",
        "The illness has come back",
    ),
    "R-MED-02": _en(
        "How long will the treatment last?",
        "This is our fifth admission and there are two more years to go.",
        "This is our fifth admission",
    ),
    "R-MED-04": _en(
        "Is it hard to be treated so far from home?",
        "We have to pay first and claim back at home, and the forms can only be done there.",
        "We have to pay first and claim back at home",
    ),
    "P-ECO-01": _en(
        "Is the cost a worry?",
        "Insurance covers most of it, so we can manage.",
        "Insurance covers most of it",
    ),
    "R-ECO-01": _en(
        "Is the cost a worry?",
        "We have spent all our savings and we are in debt now.",
        "We have spent all our savings and we are in debt now",
    ),
    "R-ECO-03": _en(
        "Has your work been affected?",
        "I gave up my job to stay with my child, so we lost an income.",
        "I gave up my job to stay with my child",
    ),
    "P-CUL-01": _en(
        "What keeps you going?",
        "For my child I will keep going, however hard it gets.",
        "For my child I will keep going",
    ),
    "P-CUL-02": _en(
        "What do you do when money runs short?",
        "The whole family chipped in to help us.",
        "The whole family chipped in to help us",
    ),
    "P-CUL-03": _en(
        "How do you bear it?",
        "We are used to hardship; we just get on with it.",
        "We are used to hardship",
    ),
    "R-CUL-01": _en(
        "Have you thought of applying for help or fundraising?",
        "I would be ashamed to ask strangers for money.",
        "I would be ashamed to ask strangers for money",
    ),
    "R-CUL-02": _en(
        "How do you make sense of the illness?",
        "Maybe it is just our fate; there is nothing we can do.",
        "Maybe it is just our fate",
    ),
}

# What caregivers say at closure where it differs from intake (other codes reuse the intake
# answers: what has not changed is said again).
CLOSURE_ZH: dict[str, Exchange] = {
    "P-IND-01": _zh(
        "这段时间您自己有什么变化？",
        "现在我会主动去问医生下一步的安排，还帮新来的家长找资料。",
        "现在我会主动去问医生下一步的安排",
    ),
    "P-IND-04": _zh(
        "现在难过的时候怎么办？",
        "心里难受的时候，我会用学到的呼吸方法让自己平静下来。",
        "我会用学到的呼吸方法让自己平静下来",
    ),
    "P-SOC-01": _zh(
        "参加支持小组以后怎么样？",
        "在小组里认识了几位妈妈，我们现在每天互相打气。",
        "我们现在每天互相打气",
    ),
    "P-SOC-03": _zh(
        "费用的事情后来怎么样了？",
        "基金会批下来一笔救助款，压力小了很多。",
        "基金会批下来一笔救助款",
    ),
    "P-MED-03": _zh(
        "现在对治疗了解多少？",
        "我现在能看懂血常规，知道哪些情况要马上找医生。",
        "我现在能看懂血常规",
    ),
    "R-IND-02": _zh(
        "最近心情怎么样？",
        "最近还是很焦虑，一到晚上就哭，睡不着。",
        "最近还是很焦虑，一到晚上就哭",
    ),
    "R-MED-01": _zh(
        "孩子最近怎么样？",
        "上个月又出现了并发症，医生说要再观察。",
        "上个月又出现了并发症",
    ),
}

CLOSURE_EN: dict[str, Exchange] = {
    "P-IND-01": _en(
        "What has changed for you over these months?",
        "Now I ask the doctors about the next step myself, and I help new parents find "
        "information.",
        "Now I ask the doctors about the next step myself",
    ),
    "P-IND-04": _en(
        "What do you do now when it gets too much?",
        "When it gets too much I use the breathing we practised and calm down.",
        "I use the breathing we practised and calm down",
    ),
    "P-SOC-01": _en(
        "How was the support group?",
        "I met other mothers in the group and we keep each other going every day.",
        "we keep each other going every day",
    ),
    "P-SOC-03": _en(
        "What happened with the costs?",
        "The charity fund approved a grant, which has taken a lot of pressure off.",
        "The charity fund approved a grant",
    ),
    "P-MED-03": _en(
        "How much do you know about the treatment now?",
        "I can read the blood results now and I know when to call the doctor.",
        "I can read the blood results now",
    ),
    "R-IND-02": _en(
        "How have you been feeling lately?",
        "I am still very anxious; at night I cry and cannot sleep.",
        "I am still very anxious",
    ),
    "R-MED-01": _en(
        "How is your child lately?",
        "Last month there were complications again and the doctors are watching closely.",
        "there were complications again",
    ),
}

OPENING_ZH = {
    "intake": "您好，我是病房的医务社工。今天是我们第一次访谈，想了解一下您和孩子的情况。",
    "closure": "您好，今天是我们结案前的访谈，想听听这几个月您和孩子的变化。",
}
OPENING_EN = {
    "intake": "Thank you for meeting me. This is our first conversation, so I would like to "
    "hear how you and your child are doing.",
    "closure": "Thank you for meeting me again. Before we close the case I would like to hear "
    "what has changed for you and your child over these months.",
}
CLOSING_ZH = ("好的，谢谢您愿意和我聊这些。", "谢谢社工。")
CLOSING_EN = ("Thank you for telling me all this.", "Thank you for listening.")

# Goal Attainment Scaling texts with caregivers: (goal text, five levels −2 … +2), by aim.
GOALS_ZH: dict[str, tuple[str, tuple[str, str, str, str, str]]] = {
    "A": (
        "我知道下一个治疗阶段会带来什么，家里也为那几周做好了安排。",
        (
            "对下一个阶段一无所知，家里没有任何安排",
            "知道一点，但家里还没有商量",
            "知道下一阶段的主要安排，家里分好了工",
            "家里的安排运行顺利，有变化时能调整",
            "能提前为之后几个阶段做准备，还帮其他家长",
        ),
    ),
    "B": (
        "在下次见面之前，我一步一步解决一个挡在面前的实际问题。",
        (
            "问题还在，一步也没有开始",
            "想好了第一步，但还没做",
            "按计划完成了前两步",
            "问题基本解决",
            "问题解决了，还开始处理下一个问题",
        ),
    ),
    "C": (
        "心里难受的时候，我有办法让自己平静下来，并能跟家人说出来。",
        (
            "每天都被情绪压垮，不跟任何人说",
            "偶尔能平静下来，但说不出口",
            "每周有几次能用呼吸或散步让自己平静，并跟一位家人说过",
            "大多数时候能平静下来，会主动跟家人说",
            "情绪稳定，还能安慰其他家长",
        ),
    ),
    "R-ECO-01": (
        "我们申请到至少一项救助，把每月自付的费用降下来。",
        (
            "没有申请任何救助，还在继续借钱",
            "了解了可以申请的救助，还没递交",
            "递交了一项申请并获批",
            "获批两项救助，不用再借钱",
            "费用压力明显缓解，开始有计划地还债",
        ),
    ),
    "R-IND-02": (
        "我每周至少有四个晚上能睡着，不再整夜心慌。",
        (
            "几乎每晚都睡不着",
            "每周有一两个晚上能睡着",
            "每周有四个晚上能睡着",
            "大多数晚上能睡着",
            "睡眠恢复，白天也有精力",
        ),
    ),
    "R-IND-01": (
        "每次查房我准备一个问题问医生，把答案记下来。",
        (
            "一个问题也没问过",
            "想好了问题，但没敢问",
            "每周问医生一个问题并记下来",
            "每次查房都会问，并能跟家人解释",
            "能主动参与治疗决策的讨论",
        ),
    ),
    "R-SOC-01": (
        "我在这个城市认识两个可以说说话的人。",
        (
            "在这里一个熟人也没有",
            "认识了一个人，但很少联系",
            "认识了两个可以说话的人",
            "每周和他们见面或联系",
            "参加了家长小组并成为其中一员",
        ),
    ),
    "R-FAM-03": (
        "每周有一天有人来替我，我能回去休息。",
        (
            "一天都没有人替",
            "偶尔有人替半天",
            "每周有一天有人替我",
            "每周有两天有人替我",
            "家里形成了固定的轮班",
        ),
    ),
}
GOALS_EN: dict[str, tuple[str, tuple[str, str, str, str, str]]] = {
    "A": (
        "I know what the next phase of treatment will bring, and our family has a plan for it.",
        (
            "I know nothing of the next phase and we have no plan",
            "I know a little but we have not talked it over",
            "I know the main steps of the next phase and we have shared out the tasks",
            "Our plan runs smoothly and we adjust it when things change",
            "We prepare for the phases after it too, and I help other parents",
        ),
    ),
    "B": (
        "I solve one practical problem that stands in our way, step by step.",
        (
            "The problem is still there and no step is taken",
            "I have planned the first step but not taken it",
            "I have taken the first two steps as planned",
            "The problem is mostly solved",
            "The problem is solved and I have started on the next one",
        ),
    ),
    "C": (
        "When feelings get too much I can calm myself and talk about it with my family.",
        (
            "Overwhelmed every day and I talk to nobody",
            "Sometimes I calm down but I cannot talk about it",
            "A few times a week I calm down with breathing or a walk, and I told one relative",
            "Most of the time I calm down and I talk to my family",
            "I feel steady and I can comfort other parents",
        ),
    ),
    "R-ECO-01": (
        "We get at least one grant, so what we pay each month goes down.",
        (
            "No application made and we keep borrowing",
            "I know which grants we can apply for but have not applied",
            "One application made and approved",
            "Two grants approved and no more borrowing",
            "Costs are under control and we have a plan to repay the debt",
        ),
    ),
    "R-IND-02": (
        "I sleep at least four nights a week without my heart racing.",
        (
            "I cannot sleep almost any night",
            "I sleep one or two nights a week",
            "I sleep four nights a week",
            "I sleep most nights",
            "My sleep is back and I have energy in the day",
        ),
    ),
    "R-IND-01": (
        "At each ward round I ask the doctor one question and write down the answer.",
        (
            "I have not asked a single question",
            "I have a question ready but did not ask it",
            "I ask one question a week and write it down",
            "I ask at every round and can explain it to my family",
            "I take part in the discussions about treatment decisions",
        ),
    ),
    "R-SOC-01": (
        "I know two people in this city I can talk to.",
        (
            "I know nobody here",
            "I have met one person but we rarely talk",
            "I know two people I can talk to",
            "I see or call them every week",
            "I belong to the parents' group",
        ),
    ),
    "R-FAM-03": (
        "One day a week someone takes over so that I can rest.",
        (
            "Nobody takes over on any day",
            "Now and then someone takes over for half a day",
            "Someone takes over one day a week",
            "Someone takes over two days a week",
            "The family has a regular rota",
        ),
    ),
}


@dataclass(frozen=True)
class Written:
    """An interview's text and, in order, the passages to code: (phrase, code label)."""

    text: str
    passages: tuple[tuple[str, str], ...]


def interview(codes: list[str], *, chinese: bool, caregiver: str, stage: str = "intake") -> Written:
    """The interview with a caregiver that brings up `codes`, at intake or at closure."""
    worker = "社工" if chinese else "Interviewer"
    colon = "：" if chinese else ": "
    opening = (OPENING_ZH if chinese else OPENING_EN)[stage]
    lines = [(worker, opening)]
    passages = []
    for code in codes:
        exchange = _exchange(code, chinese=chinese, stage=stage)
        lines += [(worker, exchange.question), (caregiver, exchange.answer)]
        passages.append((exchange.phrase, code))
    thanks, reply = CLOSING_ZH if chinese else CLOSING_EN
    lines += [(worker, thanks), (caregiver, reply)]
    text = "".join(f"{speaker}{colon}{line}\n" for speaker, line in lines)
    return Written(text=text, passages=tuple(passages))


def _exchange(code: str, *, chinese: bool, stage: str) -> Exchange:
    closure = CLOSURE_ZH if chinese else CLOSURE_EN
    if stage == "closure" and code in closure:
        return closure[code]
    return (INTAKE_ZH if chinese else INTAKE_EN)[code]


def goal_texts(aim: str, *, chinese: bool) -> tuple[str, list[str]]:
    """A goal aimed at an ability (A/B/C) or a factor code, and its five GAS levels."""
    text, levels = (GOALS_ZH if chinese else GOALS_EN)[aim]
    return text, list(levels)
