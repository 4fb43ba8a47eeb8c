"""What happens next at each stage of the procedure, in plain words, per answer page variant (campaigns/answers/
texts.py): shown under « Et maintenant ? » once the household passed the check."""

from __future__ import annotations

from campaigns.answers.texts import AR, EN, FALC, FR
from campaigns.models.stages import Stage

# What happens next, per stage and variant (French and FALC were the page's first texts).
NEXT_STEPS: dict[str, dict[str, str]] = {
    Stage.IMPAYE: {
        FR: "Un accord avec votre bailleur reste possible, et des aides existent. Si rien ne change, votre bailleur "
            "pourra vous faire remettre un commandement de payer par un commissaire de justice.",
        FALC: "Vous pouvez encore trouver un accord avec votre bailleur.\nDes aides existent.\n"
              "Si rien ne change, vous recevrez une lettre officielle pour payer.",
        EN: "An agreement with your landlord is still possible, and help exists. If nothing changes, your landlord "
            "may have a court officer (commissaire de justice) serve you a formal demand to pay.",
        AR: "لا يزال الاتفاق مع المؤجر ممكنًا، وتوجد مساعدات. إذا لم يتغير شيء، يمكن للمؤجر أن يطلب من مفوّض "
            "قضائي (commissaire de justice) أن يسلّمكم إنذارًا بالدفع.",
    },
    Stage.COMMANDEMENT_DE_PAYER: {
        FR: "Vous avez deux mois pour payer la dette ou trouver un accord. Après ce délai, votre bailleur peut "
            "demander au juge de mettre fin à votre bail.",
        FALC: "Vous avez 2 mois pour payer ou trouver un accord.\nAprès, votre bailleur peut aller voir le juge.",
        EN: "You have two months to pay the debt or reach an agreement. After that, your landlord can ask the judge "
            "to end your lease.",
        AR: "لديكم شهران لتسديد الدين أو التوصل إلى اتفاق. بعد هذه المهلة، يمكن للمؤجر أن يطلب من القاضي فسخ عقد "
            "الإيجار.",
    },
    Stage.ASSIGNATION: {
        FR: "Le juge va examiner votre situation à l'audience. Allez-y, même si vous avez trouvé un accord : vous "
            "pouvez y demander des délais de paiement. Un travailleur social va vous proposer un rendez-vous.",
        FALC: "Le juge va regarder votre situation.\nAllez au rendez-vous chez le juge.\n"
              "Un travailleur social va aussi vous proposer un rendez-vous.",
        EN: "The judge will examine your situation at the hearing. Go to it, even if you have reached an agreement: "
            "you can ask there for time to pay. A social worker will offer you an appointment.",
        AR: "سينظر القاضي في وضعكم خلال الجلسة. احضروا الجلسة حتى لو توصلتم إلى اتفاق: يمكنكم أن تطلبوا فيها "
            "آجالًا للدفع. سيقترح عليكم أخصائي اجتماعي موعدًا.",
    },
    Stage.JUGEMENT: {
        FR: "Le juge a rendu sa décision. Elle peut vous accorder des délais : l'ADIL peut vous l'expliquer "
            "gratuitement.",
        FALC: "Le juge a pris une décision.\nL'ADIL peut vous l'expliquer.\nC'est gratuit.",
        EN: "The judge has made a decision. It may give you more time: the ADIL can explain it to you free of "
            "charge.",
        AR: "أصدر القاضي قراره. قد يمنحكم آجالًا: يمكن لوكالة ADIL أن تشرحه لكم مجانًا.",
    },
    Stage.COMMANDEMENT_DE_QUITTER_LES_LIEUX: {
        FR: "Un commissaire de justice vous a demandé de quitter le logement, en général dans un délai de deux mois. "
            "Des délais ou un relogement restent possibles : appelez vite l'un des contacts ci-dessous.",
        FALC: "On vous demande de quitter le logement.\nVous avez en général 2 mois.\n"
              "Appelez vite un des contacts en bas de la page.",
        EN: "A court officer has asked you to leave your home, usually within two months. More time or rehousing is "
            "still possible: call one of the contacts below quickly.",
        AR: "طلب منكم مفوّض قضائي مغادرة المسكن، عادةً في أجل شهرين. لا تزال الآجال أو إعادة الإسكان ممكنة: اتصلوا "
            "بسرعة بإحدى الجهات أدناه.",
    },
    Stage.REQUISITION_FORCE_PUBLIQUE: {
        FR: "Votre bailleur a demandé l'aide de la police pour l'expulsion. La préfecture va étudier votre "
            "situation : faites-vous aider dès maintenant.",
        FALC: "Votre bailleur a demandé l'aide de la police.\nLa préfecture va regarder votre situation.\n"
              "Demandez de l'aide maintenant.",
        EN: "Your landlord has asked for police assistance with the eviction. The prefecture will study your "
            "situation: get help now.",
        AR: "طلب المؤجر مساعدة الشرطة لتنفيذ الطرد. ستدرس المحافظة وضعكم: اطلبوا المساعدة من الآن.",
    },
    Stage.OCTROI_FORCE_PUBLIQUE: {
        FR: "La préfecture a accordé l'aide de la police : l'expulsion peut avoir lieu bientôt. Appelez vite l'un des "
            "contacts ci-dessous pour préparer un relogement.",
        FALC: "La police peut venir bientôt pour l'expulsion.\nAppelez vite un des contacts en bas de la page.",
        EN: "The prefecture has granted police assistance: the eviction may take place soon. Call one of the "
            "contacts below quickly to prepare rehousing.",
        AR: "وافقت المحافظة على مساعدة الشرطة: قد يتم الطرد قريبًا. اتصلوا بسرعة بإحدى الجهات أدناه للتحضير "
            "لإعادة الإسكان.",
    },
}
