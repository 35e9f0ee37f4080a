// ───────────────────────── Chapter 6: The Letter (VIP) ─────────────────────────
=== chapter_6 ===
{ not vip(): -> vip_gate }
{t("Chapter 6 · The Letter", "Capítulo 6 · La carta")} #chapter:6 #title
-> c6_01

=== c6_01 ===
{t("Lucien has laid the kitchen table for tea: two cups, a pot under a knitted cosy, a plate of biscuits nobody will eat. He has put a candle in the middle and moved it twice. Then he sits down opposite you and waits, with enormous patience, for you to take out the letter.", "Lucien ha puesto la mesa de la cocina para el té: dos tazas, una tetera bajo una funda de punto, un plato de galletas que nadie se va a comer. Ha colocado una vela en el centro y la ha movido dos veces. Luego se sienta frente a ti y espera, con una paciencia enorme, a que saques la carta.")} #scene:6_01 #consequence:letter
{
- letter == "opened":
    {t("You unfold it. Three nights ago it said only “Not yet.” Tonight the two words are still there at the top, but beneath them the page has filled, line after line, in the forward-leaning hand, as though the ink had been waiting under the paper for permission.", "La despliegas. Hace tres noches solo decía «Todavía no». Esta noche las dos palabras siguen arriba, pero debajo la hoja se ha llenado, línea a línea, con la letra inclinada, como si la tinta hubiera esperado bajo el papel a que le dieran permiso.")}
- letter == "candle":
    {t("You break the wax. The shadow you saw against the candle on the third night was this: a page of writing, and at the bottom, a small drawing of a door with a hand reaching through it. You recognise the hand now.", "Rompes el lacre. La sombra que viste al trasluz la tercera noche era esto: una página escrita y, al pie, un dibujo pequeño de una puerta con una mano que asoma. Ahora reconoces la mano.")}
- else:
    {t("The wax has gone soft in your pocket over three nights of being carried and not opened. It gives under your thumb without cracking, as if it had been expecting you, and the letter unfolds itself most of the way.", "El lacre se ha ablandado en tu bolsillo tras tres noches de llevarla encima sin abrirla. Cede bajo el pulgar sin partirse, como si te estuviera esperando, y la carta se despliega casi sola.")}
}
+ [{t("Read it", "Leerla")}] -> c6_02

=== c6_02 ===
{t("“If you are reading this, you are ready to see me, and I am ready to be seen, or nearly. So here is what I could not say through a door.", "«Si estás leyendo esto, es que ya puedes verme, y yo ya puedo dejarme ver, o casi. Así que aquí va lo que no fui capaz de decir a través de una puerta.")} #scene:6_02
{t("“The mirrors are keeping me. This house remembers everything reflected in it, and a year is a long time to be reflected. Every night I stay, I am a little more glass and a little less Diana. That is why you hear me in the mirror in the hall. That is why you cannot see me yet: there is not quite enough of me on this side to see.", "»Los espejos me están guardando. Esta casa recuerda todo lo que se refleja en ella, y un año es mucho tiempo reflejándose. Cada noche que me quedo, soy un poco más cristal y un poco menos Diana. Por eso me oyes en el espejo del vestíbulo. Por eso todavía no puedes verme: no queda bastante de mí a este lado para que se me vea.")}
{t("“Lucien knows. He hid the portrait because the hand in it is the way out, and he was afraid the way out would take me away from him too. Do not be hard on him. He has been brave in the smallest, most exhausting ways for a year.", "»Lucien lo sabe. Escondió el retrato porque la mano es la salida, y temía que la salida me alejara también de él. No te enfades con él. Lleva un año siendo valiente de las maneras más pequeñas y más agotadoras.")}
{t("“When the house asks you to choose what to keep, and it will, it will offer you everything: the portrait, the key, the house, me. Do not choose me. People who are kept stop being people. Choose something else, and I will be free to choose for myself.”", "»Cuando la casa te pida que elijas qué conservar, y te lo pedirá, te ofrecerá de todo: el retrato, la llave, la casa, a mí. No me elijas a mí. Lo que se conserva deja de estar vivo. Elige otra cosa, y yo tendré libertad para elegir por mi cuenta».")}
{
- letter == "opened":
    {t("Below, a postscript: “You opened this too early and it told you so. I liked that you did. Impatience is a kind of hope.”", "Debajo, una posdata: «La abriste demasiado pronto y ella te lo dijo. Me gustó que lo hicieras. La impaciencia es una forma de esperanza».")}
- letter == "candle":
    {t("Below, a postscript: “You held me up to the candle. I felt it, like a warm hand on the back of my neck. I did not mind.”", "Debajo, una posdata: «Me pusiste al trasluz de la vela. Lo noté, como una mano tibia en la nuca. No me importó».")}
- else:
    {t("Below, a postscript: “Thank you for waiting. Nobody has waited for me in a long time. They only waited outside.”", "Debajo, una posdata: «Gracias por esperar. Hacía mucho que nadie me esperaba a mí. Solo esperaban fuera».")}
}
{ not secret_shared:
    {t("And one more line, smaller: “You still have not told me anything true. I am not keeping count. I am keeping count.”", "Y una línea más, en letra más pequeña: «Sigues sin contarme nada verdadero. No llevo la cuenta. Sí la llevo».")}
}
+ [{t("Read it again", "Volver a leerla")} #emo:persistent+1] -> c6_03
+ [{t("Look up at Lucien", "Levantar la vista hacia Lucien")} #emo:empath+1] -> c6_03

=== c6_03 ===
{t("Lucien has not read the letter, and he has not asked to. He watches your face instead, which, you realise, tells him everything.", "Lucien no ha leído la carta, ni ha pedido leerla. Te mira la cara, lo cual, te das cuenta, le cuenta todo.")} #scene:6_03
{t("“So she told you,” he says. “Good. I never could. Every time I opened my mouth to tell someone, I heard myself asking them to leave.”", "—Así que te lo ha contado —dice—. Bien. Yo nunca fui capaz. Cada vez que abría la boca para contárselo a alguien, me oía pidiéndole que se fuera.")}
{t("He turns his cup round on its saucer, a full circle, then another. “May I ask you something? Not for her. For me.”", "Gira la taza sobre el platillo, una vuelta entera, y luego otra. —¿Puedo preguntarte algo? No por ella. Por mí.")}
{t("“If this street were gone tomorrow, if you came round the corner and there was only the old wall and the dry fountain, what would you miss?”", "—Si mañana esta calle ya no estuviera, si doblaras la esquina y solo encontraras el muro viejo y la fuente seca, ¿qué echarías de menos?")} #ask:what_you_miss
+ [{t("(answer)", "(respuesta)")} #answer] -> c6_04
+ [{t("Shake your head; you cannot answer that yet", "Negar con la cabeza: todavía no puedes contestar a eso")}]
    ~ what_you_miss_kind = "silent"
    -> c6_04

=== c6_04 ===
{ what_you_miss_kind != "silent":
    ~ what_you_miss_kind = answer_kind
}
{
- what_you_miss_kind == "silent":
    {t("“No,” he agrees. “Neither can I. I have tried for a year and the list is too long, and every item on it is her.”", "—No —asiente—. Yo tampoco. Llevo un año intentándolo y la lista es demasiado larga, y cada cosa de la lista es ella.")} #scene:6_04
- what_you_miss_kind == "question":
    {t("“You turn it back on me,” he says. “The kitchen. This table. The sound of her on the stairs at three in the morning when she thinks I am asleep. I would miss all of it, even the parts that have been killing me.”", "—Me la devuelves —dice—. La cocina. Esta mesa. El ruido de sus pasos en la escalera a las tres de la mañana, cuando cree que duermo. Lo echaría todo de menos, hasta lo que me está matando.")} #scene:6_04
- what_you_miss_kind == "short" || what_you_miss_kind == "offtopic":
    {t("“{said(what_you_miss_quote)},” Lucien repeats, and looks at you over his cup until you look away. “You are being brave by being brief. I know the trick. I invented it. But I will remember what you said, in case it turns out to be true.”", "—«{said(what_you_miss_quote)}» —repite Lucien, y te mira por encima de la taza hasta que apartas la vista—. Te haces fuerte siendo breve. Conozco el truco. Lo inventé yo. Pero me acordaré de lo que has dicho, por si acaba siendo verdad.")} #scene:6_04
- answer_emotion == "anger":
    {t("He sets the cup down on its saucer without a sound. “You are angry,” he says. “With me, with the house, with whoever sent that envelope. Good. Anger at least wants something. I asked what you would miss; you will tell me when you are less busy being cross.”", "Deja la taza en el platillo sin hacer ruido. —Te noto la rabia —dice—. Conmigo, con la casa, con quien te mandó ese sobre. Bien. La rabia, por lo menos, quiere algo. Te he preguntado qué echarías de menos; ya me lo dirás cuando la rabia te deje un rato libre.")} #scene:6_04
- answer_polarity == "negative" || answer_emotion == "sadness" || answer_emotion == "fear":
    ~ trust += 1
    {t("He nods slowly. “Yes,” he says. “That is what it would cost. I am glad you can name it. Things you can name, you can sometimes carry out of a house.”", "Asiente despacio. —Sí —dice—. Eso es lo que costaría. Me alegra que puedas nombrarlo. Lo que se puede nombrar, a veces se puede sacar de una casa.")} #scene:6_04
- answer_polarity == "positive" || answer_emotion == "affection" || answer_emotion == "joy":
    ~ trust += 1
    {t("A smile gets past his guard before he can stop it. “Then it has been good for you, this house,” he says. “I did not think it could be good for anyone any more. I will tell her. No, I will not. You will.”", "Se le escapa una sonrisa antes de poder impedirlo. —Entonces esta casa te ha hecho bien —dice—. Creía que ya no podía hacerle bien a nadie. Se lo diré. No, no se lo diré. Se lo dirás tú.")} #scene:6_04
- else:
    ~ trust += 1
    {t("“That is an honest list,” he says. “Short. Honest lists are always short. I will remember it.”", "—Es una lista sincera —dice—. Corta. Las listas sinceras siempre son cortas. Me acordaré de ella.")} #scene:6_04
}
+ [{t("Drink your tea", "Beberte el té")}] -> c6_05

=== c6_05 ===
{t("The bell at the front gate rings. Not the polite single knock of a guest, but the long, dragging ring of someone who is leaning on the bell-pull and intends to keep leaning.", "Suena la campana de la verja. No con la llamada educada y única de una visita, sino con el repique largo y arrastrado de alguien que se ha colgado del tirador y piensa seguir colgado.")} #scene:6_05
{t("Lucien's face empties of everything. “Aubrac,” he says. “He comes every month, at the full moon, to shout. But he has never rung like that.”", "A Lucien se le vacía la cara. —Aubrac —dice—. Viene cada mes, con la luna llena, a gritar. Pero nunca había llamado así.")}
+ [{t("Go to the gate with him", "Ir a la verja con él")} #emo:direct+1] -> c6_06
+ [{t("Look from the hall window first", "Mirar antes por la ventana del vestíbulo")} #emo:explorer+1] -> c6_05_window

=== c6_05_window ===
{t("Through the glass you see him: a broad man in a camel coat so good it looks upholstered, and behind him two thinner men carrying briefcases, the way other men would carry weapons. None of the three is reflected in the window.", "A través del cristal lo ves: un hombre corpulento con un abrigo de pelo de camello tan bueno que parece tapizado, y detrás dos hombres más delgados con maletines, como otros llevarían armas. Ninguno de los tres se refleja en la ventana.")} #scene:6_05b
+ [{t("Go down to the gate", "Bajar a la verja")}] -> c6_06

=== c6_06 ===
{t("Aubrac does not shout tonight. He smiles, which is worse. He holds a folded paper up to the bars.", "Esta noche Aubrac no grita. Sonríe, que es peor. Levanta un papel doblado hasta los barrotes.")} #scene:6_06
{t("“The debts on this house,” he says pleasantly. “I bought them. All of them. Tomorrow night I come back with a notary and take possession of the contents, beginning with a certain portrait that I paid for and never received. I thought it only decent to give notice.”", "—Las deudas de esta casa —dice con amabilidad—. Las he comprado. Todas. Mañana por la noche vuelvo con un notario a tomar posesión del contenido, empezando por cierto retrato que pagué y nunca recibí. Me ha parecido de buena educación avisar.")}
{t("His eyes find you behind Lucien. “And who is this? Another of her strays?”", "Sus ojos te encuentran detrás de Lucien. —¿Y a quién tenemos aquí? ¿Otra de sus almas perdidas?")}
+ [{t("“A friend of the house.”", "—Una amistad de la casa.")} #emo:direct+1] -> c6_07
+ [{t("Say nothing, and memorise his face", "No decir nada y memorizarle la cara")} #emo:persistent+1] -> c6_07
+ {arch_direct >= 0.4 || mood == "tense"} [{t("Because you do not back down: tell him the portrait was never his to buy", "Como no te echas atrás: decirle que ese retrato nunca estuvo en venta")} #sig:direct #emo:direct+2]
    ~ trust += 1
    -> c6_06_stand

=== c6_06_stand ===
{t("“A portrait is not a chair,” you say. “You paid to be painted. You were. You did not like the painting. That is not a debt; that is a review.”", "—Un retrato no es una silla —dices—. Pagaste para que te pintaran. Te pintaron. No te gustó el cuadro. Eso no es una deuda: es una crítica.")} #scene:6_06b
{t("One of the men with briefcases coughs to hide a laugh. Aubrac's smile stays exactly where it is, which takes effort. Lucien, beside you, stands a little straighter.", "Uno de los hombres de los maletines tose para disimular la risa. La sonrisa de Aubrac se queda exactamente donde estaba, y le cuesta. Lucien, a tu lado, se yergue un poco más.")}
+ [{t("Let Aubrac go", "Dejar que Aubrac se vaya")}] -> c6_07

=== c6_07 ===
{t("Aubrac tips his hat and goes, and the street seems to get shorter behind him, as if it, too, wanted him gone. Lucien stands at the gate long after there is anything to see.", "Aubrac se toca el sombrero y se marcha, y la calle parece acortarse a su espalda, como si también ella quisiera verlo lejos. Lucien se queda en la verja mucho después de que ya no haya nada que ver.")} #scene:6_07
{ trust >= 7:
    {t("“I am glad you were here,” he says at last. “I have never been glad of that before, with anyone. Come tomorrow. I do not know what we will do. But come.”", "—Me alegro de que estuvieras aquí —dice por fin—. Nunca me había alegrado de eso, con nadie. Ven mañana. No sé qué haremos. Pero ven.")}
- else:
    {t("“Come tomorrow,” he says at last. “Whatever happens, I would rather there was a witness who is not a mirror.”", "—Ven mañana —dice por fin—. Pase lo que pase, prefiero que haya un testigo que no sea un espejo.")}
}
~ reward(25)
+ [{t("“I will be here.”", "—Aquí estaré.")} #emo:persistent+2] -> chapter_7
+ [{t("Look up at Diana's window", "Mirar hacia la ventana de Diana")} #emo:poet+1] -> chapter_7
